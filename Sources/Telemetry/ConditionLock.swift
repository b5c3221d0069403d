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

/// A value behind a pthread reader-writer lock: any number of threads read at once, a writer waits for them.
/// For state every request reads and almost nothing writes (a cached model list): readers never wait for each
/// other, where a mutex — `Synchronization.Mutex` spins and then takes a priority-inheritance futex on Linux —
/// made 32 request threads queue on every chat.
///
/// `@unchecked Sendable`: `value` is only touched with the lock held.
public final class ReadWriteLock<Value>: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` with shared access.
    public func read<T>(_ body: (Value) throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(value)
    }

    /// Runs `body` with exclusive access.
    public func write<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body(&value)
    }
}
