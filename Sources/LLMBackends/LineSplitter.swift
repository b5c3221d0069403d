/// Splits a byte stream into lines (`\n`, optional `\r`), carrying partial lines across chunks.
/// Used for Ollama's NDJSON and for Server-Sent Events.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    /// Longest line accepted; a longer one means the peer is not speaking the protocol.
    public let maxLineBytes: Int

    public init(maxLineBytes: Int = 1 << 20) { self.maxLineBytes = maxLineBytes }

    /// Feeds a chunk; calls `onLine` for each complete line (without its terminator). Returns `false` if
    /// `onLine` did or if a line exceeded the limit.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, onLine: (ArraySlice<UInt8>) -> Bool) -> Bool {
        var start = chunk.startIndex
        for index in chunk.indices where chunk[index] == 10 {
            pending.append(contentsOf: chunk[start..<index])
            start = index + 1
            var line = pending[...]
            if line.last == 13 { line = line.dropLast() }
            let keepGoing = onLine(line)
            pending.removeAll(keepingCapacity: true)
            if !keepGoing { return false }
        }
        pending.append(contentsOf: chunk[start...])
        return pending.count <= maxLineBytes
    }

    /// What is left after the stream ended (a last line without terminator), if anything.
    public var remainder: ArraySlice<UInt8>? {
        var line = pending[...]
        if line.last == 13 { line = line.dropLast() }
        return line.isEmpty ? nil : line
    }
}
