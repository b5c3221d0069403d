/// A W3C Trace Context position: the trace this request belongs to and the span that called us.
///
/// A `traceparent` from the browser joins the page's action to our spans; a malformed one is ignored and a
/// new trace starts (never an error: tracing must not break chatting).
public struct TraceContext: Sendable, Equatable {
    /// 32 lower-case hex digits, not all zero.
    public var traceID: String
    /// The caller's span id (16 hex digits), or `nil` when this request starts the trace.
    public var parentSpanID: String?
    /// Whether the caller sampled this trace.
    public var sampled: Bool
    /// Vendor state passed through as received (validated for size and characters only).
    public var traceState: String?

    public init(traceID: String, parentSpanID: String? = nil, sampled: Bool = true, traceState: String? = nil) {
        self.traceID = traceID
        self.parentSpanID = parentSpanID
        self.sampled = sampled
        self.traceState = traceState
    }

    /// A new trace with a random id.
    public static func random() -> TraceContext { TraceContext(traceID: randomHex(bytes: 16)) }

    /// Parses `traceparent` (`00-<trace-id>-<parent-id>-<flags>`); `nil` when absent or malformed.
    /// Future versions are accepted if their first four fields parse, as the spec asks.
    public init?(traceparent: String?, tracestate: String? = nil) {
        guard let header = traceparent?.utf8, header.count >= 55 else { return nil }
        let bytes = Array(header)
        let version = bytes[0..<2]
        guard isLowerHex(version), !(version.elementsEqual("ff".utf8)), bytes[2] == 45, bytes[35] == 45,
            bytes[52] == 45
        else { return nil }
        if version.elementsEqual("00".utf8) && bytes.count != 55 { return nil }
        if bytes.count > 55 && bytes[55] != 45 { return nil }
        let trace = bytes[3..<35]
        let parent = bytes[36..<52]
        let flags = bytes[53..<55]
        guard isLowerHex(trace), isLowerHex(parent), isLowerHex(flags), trace.contains(where: { $0 != 48 }),
            parent.contains(where: { $0 != 48 })
        else { return nil }
        self.traceID = String(decoding: trace, as: UTF8.self)
        self.parentSpanID = String(decoding: parent, as: UTF8.self)
        self.sampled = (hexValue(flags.last!) & 1) == 1
        if let state = tracestate, state.utf8.count <= 512, state.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            self.traceState = state
        } else {
            self.traceState = nil
        }
    }

    /// The `traceparent` header for a call made from span `spanID` within this trace.
    public func traceparent(spanID: String) -> String {
        "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")"
    }
}

/// `count` random bytes as lower-case hex; never all zero. One system call per 8 bytes, not per byte.
public func randomHex(bytes count: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    while true {
        var text = ""
        text.reserveCapacity(count * 2)
        var nonZero = false
        var word: UInt64 = 0
        for index in 0..<count {
            if index % 8 == 0 { word = generator.next() }
            let byte = UInt8(truncatingIfNeeded: word >> (UInt64(index % 8) * 8))
            nonZero = nonZero || byte != 0
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 15)])
        }
        if nonZero { return text }
    }
}

private let hexDigits: [Character] = Array("0123456789abcdef")

private func isLowerHex(_ bytes: ArraySlice<UInt8>) -> Bool {
    bytes.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
}

private func hexValue(_ byte: UInt8) -> UInt8 { byte <= 57 ? byte - 48 : byte - 87 }
