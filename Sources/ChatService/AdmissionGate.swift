import Telemetry

/// Limits how many requests one backend works on at once, with a bounded, first-come queue behind it.
///
/// A CPU-only model server answers one or two requests well and many badly; excess requests wait here (the
/// wait is the `queue` phase of the trace) instead of slowing everyone. A full queue or a wait past the
/// deadline is refused at once, so the client gets 503 with `Retry-After` rather than a hung request.
///
/// `@unchecked Sendable`: all state is guarded by the condition lock.
public final class AdmissionGate: @unchecked Sendable {
    /// Why a request was not admitted.
    public enum Refusal: Error, Equatable {
        case queueFull
        case timedOut(waitedMs: Double)
    }

    public let maxConcurrency: Int
    public let maxQueue: Int
    private let lock = ConditionLock()
    private var running = 0
    private var waiting = 0
    /// Tickets make the queue first-come, first-served: only the oldest waiter may take a free slot.
    private var nextTicket: UInt64 = 0
    private var servingTicket: UInt64 = 0
    /// Tickets whose holders gave up waiting; skipped when their turn comes.
    private var abandoned: Set<UInt64> = []

    public init(maxConcurrency: Int, maxQueue: Int) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.maxQueue = max(0, maxQueue)
    }

    /// Requests running and waiting right now.
    public var depth: (running: Int, waiting: Int) { lock.withLock { (running, waiting) } }

    /// Waits for a slot (at most `timeoutMs`); returns how long it waited. Pair every success with ``release()``.
    public func acquire(timeoutMs: Int) throws(Refusal) -> Double {
        let started = monotonicNs()
        let deadline = started + UInt64(max(0, timeoutMs)) * 1_000_000
        let outcome: Result<Double, Refusal> = lock.withLock {
            if running < maxConcurrency && waiting == 0 {
                running += 1
                return .success(0)
            }
            guard waiting < maxQueue else { return .failure(.queueFull) }
            let ticket = nextTicket
            nextTicket += 1
            waiting += 1
            defer { waiting -= 1 }
            while !(running < maxConcurrency && servingTicket == ticket) {
                if monotonicNs() >= deadline {
                    // Give up our place; later tickets must not wait for us.
                    if servingTicket == ticket { servingTicket += 1 } else { abandoned.insert(ticket) }
                    skipAbandoned()
                    lock.broadcast()
                    return .failure(.timedOut(waitedMs: Double(monotonicNs() - started) / 1e6))
                }
                lock.wait(untilNs: deadline)
            }
            servingTicket += 1
            skipAbandoned()
            running += 1
            lock.broadcast()
            return .success(Double(monotonicNs() - started) / 1e6)
        }
        return try outcome.get()
    }

    /// Frees the slot taken by a successful ``acquire(timeoutMs:)``.
    public func release() {
        lock.withLock {
            running -= 1
            lock.broadcast()
        }
    }

    private func skipAbandoned() {
        while abandoned.remove(servingTicket) != nil { servingTicket += 1 }
    }
}
