import CSQLite
import Synchronization
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded store's write side: request threads hand over items without waiting, one writer thread
/// per process batches them into SQLite.
///
/// The request thread never touches disk: ``enqueue(_:)`` appends to a bounded in-memory queue and
/// returns at once; a full queue drops the item and counts it. The writer commits one transaction per
/// batch, keeps the per-minute rollups up to date in the same transaction, and applies retention in the
/// background. A store that cannot write (disk full, unwritable, corrupt) never stops the chat: items are
/// counted as dropped, one log line a minute says why, and writing resumes when the cause goes away.
///
/// `@unchecked Sendable`: the queue is guarded by the pthread mutex; the connection is used by the writer
/// thread only.
public final class TelemetryStore: @unchecked Sendable {
    /// Store settings; defaults suit a small VPS.
    public struct Configuration: Sendable {
        /// Database file. `KAGAMI_DB` or `storage.path` in the config.
        public var path: String
        /// Items held in memory at most before new ones are dropped. Default 20 000.
        public var queueCapacity: Int
        /// Items per transaction at most. Default 1 000.
        public var batchSize: Int
        /// How long the writer waits to fill a batch. Default 200 ms.
        public var flushIntervalMs: Int
        /// Chats, spans, samples and events older than this are deleted. Default 14 days.
        public var retentionDays: Int
        /// Oldest chats are deleted when the file grows past this. Default 512 MiB.
        public var maxBytes: Int64
        /// How often retention runs. Default 600 s.
        public var maintenanceIntervalSeconds: Int

        public init(
            path: String, queueCapacity: Int = 20_000, batchSize: Int = 1_000, flushIntervalMs: Int = 200,
            retentionDays: Int = 14, maxBytes: Int64 = 512 << 20, maintenanceIntervalSeconds: Int = 600
        ) {
            self.path = path
            self.queueCapacity = queueCapacity
            self.batchSize = batchSize
            self.flushIntervalMs = flushIntervalMs
            self.retentionDays = retentionDays
            self.maxBytes = maxBytes
            self.maintenanceIntervalSeconds = maintenanceIntervalSeconds
        }
    }

    public let configuration: Configuration
    private let log: Log
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [StoreItem] = []
    private var inFlight = 0
    private var stopping = false
    private var writerStopped = false
    private let droppedItems = Atomic<Int>(0)
    private let writtenItems = Atomic<Int>(0)

    /// Items dropped so far (queue full or write failed).
    public var dropped: Int { droppedItems.load(ordering: .relaxed) }
    /// Items committed so far.
    public var written: Int { writtenItems.load(ordering: .relaxed) }

    /// Items waiting for the writer right now.
    public var queueDepth: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return queue.count + inFlight
    }

    /// Opens (or creates, migrates, or — if corrupt — sets aside and recreates) the database and starts the
    /// writer thread. Never throws: a store that cannot open keeps retrying in the background.
    public init(configuration: Configuration, log: Log) {
        self.configuration = configuration
        self.log = log
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        let writer = StoreWriter(configuration: configuration, log: log)
        spawnThread(stackSize: 1 << 20) { [self] in self.writerLoop(writer) }
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Hands `item` to the writer. Never blocks on disk; returns `false` (and counts a drop) when the queue
    /// is full.
    @discardableResult
    public func enqueue(_ item: StoreItem) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopping, queue.count < configuration.queueCapacity else {
            droppedItems.add(1, ordering: .relaxed)
            return false
        }
        queue.append(item)
        if queue.count >= configuration.batchSize { pthread_cond_signal(condition) }
        return true
    }

    /// Waits until everything enqueued so far is written (or `timeoutMs` passes); returns whether it was.
    @discardableResult
    public func flush(timeoutMs: Int = 5_000) -> Bool {
        let deadline = monotonicMilliseconds() + Double(timeoutMs)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        while monotonicMilliseconds() < deadline {
            pthread_mutex_lock(mutex)
            let idle = queue.isEmpty && inFlight == 0
            if !idle { pthread_cond_broadcast(condition) }
            pthread_mutex_unlock(mutex)
            if idle { return true }
            usleep(2_000)
        }
        return false
    }

    /// Writes what is queued (up to `timeoutMs`) and stops the writer. Later items are dropped.
    public func shutdown(timeoutMs: Int = 5_000) {
        flush(timeoutMs: timeoutMs)
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
        let deadline = monotonicMilliseconds() + Double(timeoutMs)
        while monotonicMilliseconds() < deadline {
            pthread_mutex_lock(mutex)
            let done = writerStopped
            pthread_mutex_unlock(mutex)
            if done { return }
            usleep(2_000)
        }
    }

    private func writerLoop(_ writer: StoreWriter) {
        var nextMaintenance = monotonicMilliseconds() + 5_000
        while true {
            pthread_mutex_lock(mutex)
            if queue.isEmpty && !stopping {
                var deadline = timespec()
                clock_gettime(CLOCK_MONOTONIC, &deadline)
                deadline.tv_nsec += configuration.flushIntervalMs * 1_000_000
                deadline.tv_sec += deadline.tv_nsec / 1_000_000_000
                deadline.tv_nsec %= 1_000_000_000
                pthread_cond_timedwait(condition, mutex, &deadline)
            }
            let batch = Array(queue.prefix(configuration.batchSize))
            queue.removeFirst(batch.count)
            inFlight = batch.count
            let stop = stopping && queue.isEmpty
            pthread_mutex_unlock(mutex)

            if !batch.isEmpty {
                if writer.write(batch) {
                    writtenItems.add(batch.count, ordering: .relaxed)
                } else {
                    droppedItems.add(batch.count, ordering: .relaxed)
                }
            }
            pthread_mutex_lock(mutex)
            inFlight = 0
            pthread_mutex_unlock(mutex)
            if stop { break }
            if monotonicMilliseconds() >= nextMaintenance {
                writer.maintain()
                nextMaintenance = monotonicMilliseconds() + Double(configuration.maintenanceIntervalSeconds) * 1000
            }
        }
        writer.close()
        pthread_mutex_lock(mutex)
        writerStopped = true
        pthread_mutex_unlock(mutex)
    }
}
