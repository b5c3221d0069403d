import Synchronization
import Telemetry

/// Exporter problems in the log without flooding it: the first occurrence of each reason is logged at once,
/// repeats at most every 30 s with how many were folded in; one line when deliveries succeed again.
/// Lines name the exporter and the reason, never headers or keys.
final class ThrottledLog: Sendable {
    let log: Log
    let exporter: String
    let intervalNs: UInt64

    struct State {
        var lastNs: [String: UInt64] = [:]
        var suppressed: [String: Int] = [:]
        var failing = false
    }

    private let state = Mutex(State())

    init(log: Log, exporter: String, intervalSeconds: Double = 30) {
        self.log = log
        self.exporter = exporter
        self.intervalNs = UInt64(intervalSeconds * 1e9)
    }

    /// Reports a problem of kind `code`.
    func problem(_ code: String, _ message: String) {
        let now = monotonicNs()
        let folded: Int? = state.withLock { state in
            state.failing = true
            if let last = state.lastNs[code], now - last < intervalNs {
                state.suppressed[code, default: 0] += 1
                return nil
            }
            state.lastNs[code] = now
            let count = state.suppressed[code] ?? 0
            state.suppressed[code] = 0
            return count
        }
        guard let folded else { return }
        var fields: [(String, JSONValue)] = [("exporter", .string(exporter)), ("reason", .string(code))]
        if folded > 0 { fields.append(("repeats_since_last_line", .int(folded))) }
        log.warning("exporter \(exporter): \(message)", fields)
    }

    /// Reports a success; logs once if there had been problems.
    func recovered() {
        let wasFailing = state.withLock { state in
            defer {
                state.failing = false
                state.lastNs = [:]
                state.suppressed = [:]
            }
            return state.failing
        }
        if wasFailing {
            log.info("exporter \(exporter): delivering again", [("exporter", .string(exporter))])
        }
    }
}
