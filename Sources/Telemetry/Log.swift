#if canImport(Glibc)
    import Glibc
#endif

/// One-line structured logs (JSON per line) on standard error, where systemd's journal or `make run`'s log
/// file picks them up. Never log prompt or reply text here: logs are outside the masking policy.
public struct Log: Sendable {
    /// The component name on every line (`chat`, `rum`, …).
    public let component: String

    public init(component: String) { self.component = component }

    public func info(_ message: String, _ fields: [(String, JSONValue)] = []) { emit("info", message, fields) }
    public func warning(_ message: String, _ fields: [(String, JSONValue)] = []) { emit("warn", message, fields) }
    public func error(_ message: String, _ fields: [(String, JSONValue)] = []) { emit("error", message, fields) }

    private func emit(_ level: String, _ message: String, _ fields: [(String, JSONValue)]) {
        var line: [UInt8] = []
        JSONText.appendObject(
            [
                ("ts", .string(isoTimestamp())), ("level", .string(level)), ("component", .string(component)),
                ("msg", .string(message)),
            ] + fields, to: &line)
        line.append(0x0A)
        // One write(2) per line, so lines from several threads never interleave.
        line.withUnsafeBytes { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
    }
}

/// Now as RFC 3339 UTC with milliseconds.
public func isoTimestamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var seconds = now.tv_sec
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let millis = Int(now.tv_nsec / 1_000_000)
    let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
        + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
}

/// Wall-clock time in nanoseconds since the Unix epoch (span timestamps).
public func wallClockNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// A monotonic clock in milliseconds (durations).
public func monotonicMilliseconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1e6
}
