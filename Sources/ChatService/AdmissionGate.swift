#if canImport(Glibc)
    import Glibc
#endif

/// Limits how many requests one backend works on at once, with a bounded, first-come queue behind it.
///
/// A CPU-only model server answers one or two requests well and many badly; excess requests wait here (the
/// wait is the `queue` phase of the trace) instead of slowing everyone. A full queue or a wait past the
/// deadline is refused at once, so the client gets 503 with `Retry-After` rather than a hung request.
///
/// `@unchecked Sendable`: all state is guarded by the pthread mutex.
public final class AdmissionGate: @unchecked Sendable {
    /// Why a request was not admitted.
    public enum Refusal: Error, Equatable {
        case queueFull
        case timedOut(waitedMs: Double)
    }

    public let maxConcurrency: Int
    public let maxQueue: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var running = 0
    private var waiting = 0
    /// Tickets make the queue first-come, first-served: only the oldest waiter may take a free slot.
    private var nextTicket: UInt64 = 0
    private var servingTicket: UInt64 = 0

    public init(maxConcurrency: Int, maxQueue: Int) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.maxQueue = max(0, maxQueue)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Requests running and waiting right now.
    public var depth: (running: Int, waiting: Int) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return (running, waiting)
    }

    /// Waits for a slot (at most `timeoutMs`); returns how long it waited. Pair every success with ``release()``.
    public func acquire(timeoutMs: Int) throws(Refusal) -> Double {
        let started = now()
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if running < maxConcurrency && waiting == 0 {
            running += 1
            return 0
        }
        guard waiting < maxQueue else { throw .queueFull }
        let ticket = nextTicket
        nextTicket += 1
        waiting += 1
        defer { waiting -= 1 }
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        deadline.tv_sec += timeoutMs / 1000
        deadline.tv_nsec += (timeoutMs % 1000) * 1_000_000
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        while !(running < maxConcurrency && servingTicket == ticket) {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT {
                if running < maxConcurrency && servingTicket == ticket { break }
                // Give up our place; later tickets must not wait for us.
                if servingTicket == ticket { servingTicket += 1 } else { abandoned.insert(ticket) }
                skipAbandoned()
                pthread_cond_broadcast(condition)
                throw .timedOut(waitedMs: now() - started)
            }
        }
        servingTicket += 1
        skipAbandoned()
        running += 1
        pthread_cond_broadcast(condition)
        return now() - started
    }

    /// Frees the slot taken by a successful ``acquire(timeoutMs:)``.
    public func release() {
        pthread_mutex_lock(mutex)
        running -= 1
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    private var abandoned: Set<UInt64> = []

    private func skipAbandoned() {
        while abandoned.remove(servingTicket) != nil { servingTicket += 1 }
    }

    private func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }
}
