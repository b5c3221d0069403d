#if canImport(Glibc)
    import Glibc
#endif

/// Gives back the memory a long-running process touched only while starting.
///
/// Startup (configuration, migrations, OpenSSL's initialisation inside `curl_global_init`) runs code once that
/// serving never runs again, and the kernel maps 64 KiB around every page a process touches: about 12 MB of
/// ChatHandler's 21 MB idle RSS was program and library code only startup used. ``release()`` unmaps every
/// clean page of the process's private, read-only file mappings — code and constants, never a modified page
/// such as relocated data — and pages still in use come back from the page cache on their next access (a
/// minor fault, no disk read). Call it once, when the process is ready to serve.
public enum StartupPages {
    /// Unmaps the pages and returns how many bytes were mapped (0 when `/proc/self/smaps` is unreadable).
    @discardableResult
    public static func release() -> Int {
        var ranges: [(start: UInt, end: UInt)] = []
        var bytes = 0
        var current: (start: UInt, end: UInt)?
        var residentKB = 0
        for line in readSmaps().split(separator: UInt8(ascii: "\n")) {
            if let range = mappingHeader(line) {
                current = range
                residentKB = 0
            } else if current != nil, let value = field("Rss:", in: line) {
                residentKB = value
            } else if let range = current, let anonymous = field("Anonymous:", in: line) {
                if anonymous == 0 && residentKB > 0 {
                    ranges.append(range)
                    bytes += residentKB * 1024
                }
                current = nil
            }
        }
        for range in ranges {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: range.start), Int(range.end - range.start), MADV_DONTNEED)
        }
        return bytes
    }

    /// "released 11.9 MB of code pages only startup used", for the process's log.
    public static func describe(_ bytes: Int) -> String {
        "released \(formatFixed(Double(bytes) / 1_048_576, digits: 1)) MB of code pages only startup used"
    }

    /// The address range of an smaps mapping line (`start-end perms offset dev inode path`) when the mapping is a
    /// private, read-only file mapping; nil for every other line.
    private static func mappingHeader(_ line: ArraySlice<UInt8>) -> (start: UInt, end: UInt)? {
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
        guard parts.count == 6, let dash = parts[0].firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let perms = Array(parts[1])
        let path = parts[5].drop { $0 == UInt8(ascii: " ") }
        guard perms.count == 4, perms[0] == UInt8(ascii: "r"), perms[1] == UInt8(ascii: "-"),
            perms[3] == UInt8(ascii: "p"), path.first == UInt8(ascii: "/"),
            let start = UInt(String(decoding: parts[0][..<dash], as: UTF8.self), radix: 16),
            let end = UInt(String(decoding: parts[0][(dash + 1)...], as: UTF8.self), radix: 16), end > start
        else { return nil }
        return (start, end)
    }

    /// The number in a `Name:   123 kB` line when the line starts with `name`.
    private static func field(_ name: StaticString, in line: ArraySlice<UInt8>) -> Int? {
        let prefix = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        guard line.starts(with: prefix) else { return nil }
        let digits = line.dropFirst(prefix.count).drop { $0 == UInt8(ascii: " ") }.prefix { $0 >= 48 && $0 <= 57 }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    private static func readSmaps() -> [UInt8] {
        let fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }
}
