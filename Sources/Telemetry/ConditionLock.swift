#if canImport(Glibc)
    import Glibc
#endif

/// A pthread mutex with a condition variable on the monotonic clock: lets a worker thread sleep until
/// there is work, a deadline, or shutdown, and be woken at once. (`Synchronization.Mutex` has no condition
/// variable.)
///
/// `@unchecked Sendable`: the C objects are only touched through pthread calls, which are thread-safe; they
/// live at stable heap addresses for the lifetime of the object.
public final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
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

    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every waiter. Call with or without the lock.
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits (the lock must be held) until woken or until the monotonic time `deadlineNs`.
    public func wait(untilNs deadlineNs: UInt64) {
        var deadline = timespec(tv_sec: Int(deadlineNs / 1_000_000_000), tv_nsec: Int(deadlineNs % 1_000_000_000))
        _ = pthread_cond_timedwait(condition, mutex, &deadline)
    }
}

/// Monotonic time in ns (deadlines).
public func monotonicNs() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
