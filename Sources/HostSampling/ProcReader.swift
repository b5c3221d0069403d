#if canImport(Glibc)
    import Glibc
#endif

/// Reads small files under `/proc` without Foundation: one `read(2)` into a reused buffer.
struct ProcReader {
    private var buffer = [UInt8](repeating: 0, count: 16_384)

    /// The file's bytes (at most the buffer size), or `nil` when it cannot be read (process gone).
    mutating func read(_ path: String) -> ArraySlice<UInt8>? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return count > 0 ? buffer[0..<count] : nil
    }
}

/// Splits on spaces/newlines and parses integers, the shape of most `/proc` files.
func fields(_ bytes: ArraySlice<UInt8>) -> [Substring] {
    String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
}

/// Host-wide CPU counters from the first line of `/proc/stat` (clock ticks).
struct CPUTimes: Equatable {
    var busy: UInt64
    var total: UInt64

    init(busy: UInt64, total: UInt64) {
        self.busy = busy
        self.total = total
    }

    /// Parses `cpu  user nice system idle iowait irq softirq steal …`.
    init?(procStat: ArraySlice<UInt8>) {
        guard let line = String(decoding: procStat, as: UTF8.self).split(separator: "\n").first,
            line.hasPrefix("cpu ")
        else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 4 else { return nil }
        let idle = values[3] + (values.count > 4 ? values[4] : 0)  // idle + iowait
        let total = values.prefix(8).reduce(0, +)
        self.init(busy: total - idle, total: total)
    }
}

/// `MemTotal` and `MemAvailable` from `/proc/meminfo`, in bytes.
func memoryInfo(_ bytes: ArraySlice<UInt8>) -> (total: Int64, available: Int64)? {
    var total: Int64?
    var available: Int64?
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let kilobytes = Int64(parts[1]) else { continue }
        if parts[0] == "MemTotal:" { total = kilobytes * 1024 }
        if parts[0] == "MemAvailable:" { available = kilobytes * 1024 }
    }
    guard let total, let available else { return nil }
    return (total, available)
}

/// utime + stime (clock ticks) and RSS pages from `/proc/PID/stat`. The name field may contain spaces and
/// parentheses, so fields are counted from the last `)`.
func processTimes(_ bytes: ArraySlice<UInt8>) -> (name: String, ticks: UInt64, rssPages: Int64)? {
    guard let open = bytes.firstIndex(of: UInt8(ascii: "(")), let close = bytes.lastIndex(of: UInt8(ascii: ")")),
        open < close
    else { return nil }
    let name = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
    let rest = fields(bytes[(close + 1)...])
    // After ")": state(3) … utime(14) stime(15) … rss(24) → indices 11, 12, 21 here.
    guard rest.count > 21, let utime = UInt64(rest[11]), let stime = UInt64(rest[12]), let rss = Int64(rest[21])
    else { return nil }
    return (name, utime + stime, rss)
}
