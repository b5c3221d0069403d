/// The watcher's memory: the model lists the published page reflects, and when to ask each backend next.
///
/// A backend that answers is asked again after `interval`; one that does not is retried after
/// `interval × 2^failures`, capped at `maxBackoff`, and its last known list is kept, so an outage does not
/// regenerate the page (a chat request then reports the outage itself).
public struct ModelWatch: Sendable {
    public let interval: Double
    public let maxBackoff: Double
    /// The lists the page was last generated from.
    public private(set) var known: ModelSnapshot
    private var failures: [String: Int] = [:]
    private var due: [String: Double] = [:]

    /// Starts from the snapshot the first generation used; every backend is next asked at `now + interval`.
    public init(initial: ModelSnapshot, interval: Double, maxBackoff: Double, now: Double) {
        self.interval = interval
        self.maxBackoff = max(interval, maxBackoff)
        self.known = initial
        for (name, models) in initial.backends {
            if case .unreachable = models { failures[name] = 1 }
            due[name] = now + delay(afterFailures: failures[name] ?? 0)
        }
    }

    /// Seconds to wait after `failures` consecutive failures (0: the normal interval).
    public func delay(afterFailures failures: Int) -> Double {
        guard failures > 0 else { return interval }
        return min(interval * Double(1 << min(failures, 30)), maxBackoff)
    }

    /// Backends whose next poll is due at `now`, by name.
    public func dueBackends(now: Double) -> [String] { due.filter { $0.value <= now }.map(\.key).sorted() }

    /// When the next poll is due.
    public var nextDue: Double { due.values.min() ?? 0 }

    /// Consecutive failures of `backend` so far.
    public func failureCount(of backend: String) -> Int { failures[backend] ?? 0 }

    /// Takes one poll's result; returns true when the page must be regenerated.
    public mutating func record(_ backend: String, _ result: BackendModels, now: Double) -> Bool {
        let before = known.backends[backend] ?? .notAsked
        switch result {
        case .served:
            failures[backend] = 0
            known.backends[backend] = result
        case .unreachable, .notAsked:
            failures[backend, default: 0] += 1
            // Keep a list we once had: the page stays as it was while the backend is away.
            if case .served = before {} else { known.backends[backend] = result }
        }
        due[backend] = now + delay(afterFailures: failures[backend] ?? 0)
        switch (before, known.backends[backend]!) {
        case (.unreachable, .unreachable): return false  // still away; only the reason text may differ
        default: return before != known.backends[backend]
        }
    }
}
