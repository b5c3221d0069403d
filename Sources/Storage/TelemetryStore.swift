import CSQLite
import Synchronization
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded store's write side: request threads hand over items without waiting, one writer thread
/// per process batches them into SQLite.
///
/// The request thread never touches disk: ``enqueue(_:waitMs:)`` appends to a bounded in-memory queue and
/// returns at once; a full queue drops the item and counts it (or, with `waitMs`, first waits that long for
/// room). Successful counts-only chats are summed straight into the next rollup increment and take no room.
/// The writer thread opens the database (so a large store never delays the handler), commits one transaction per
/// batch, keeps the per-minute rollups up to date in the same transaction, and applies retention in the
/// background. A store that cannot write (disk full, unwritable, corrupt) never stops the chat: items are
/// counted as dropped, one log line a minute says why, and writing resumes when the cause goes away.
///
/// `@unchecked Sendable`: the queue is guarded by the condition lock; the connection is used by the writer
/// thread only.
public final class TelemetryStore: @unchecked Sendable {
    /// Store settings; defaults suit a small VPS.
    public struct Configuration: Sendable {
        /// Database file. `KAGAMI_DB` or `storage.path` in the config.
        public var path: String
        /// Items held in memory at most before new ones are dropped. Default 256: a chat with its spans is ~20 KB in
        /// memory, so the queue stays near 5 MB even when the disk stalls or chats outrun the writer (≈ 3 000/s here).
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
        /// The writer thread runs at background priority (see `spawnThread`), yielding to request threads.
        /// Default true; RUMBeacon turns it off — storing beacons is all its requests do, and a full queue holds
        /// them back (`enqueue(_:waitMs:)`) until the writer catches up.
        public var backgroundWriter: Bool

        public init(
            path: String, queueCapacity: Int = 256, batchSize: Int = 1_000, flushIntervalMs: Int = 200,
            retentionDays: Int = 14, maxBytes: Int64 = 512 << 20, maintenanceIntervalSeconds: Int = 600,
            backgroundWriter: Bool = true
        ) {
            self.path = path
            self.queueCapacity = queueCapacity
            self.batchSize = batchSize
            self.flushIntervalMs = flushIntervalMs
            self.retentionDays = retentionDays
            self.maxBytes = maxBytes
            self.maintenanceIntervalSeconds = maintenanceIntervalSeconds
            self.backgroundWriter = backgroundWriter
        }
    }

    public let configuration: Configuration
    private let log: Log
    private let lock = ConditionLock()
    private var queue: [StoreItem] = []
    /// Sum of the queued items' ``StoreItem/weight``; the capacity is `queueCapacity` full-size items.
    private var queuedWeight = 0
    /// Successful counts-only chats, already summed per (minute, route, model): they take no queue room at all.
    private var pendingCounts: [RollupKey: ChatRollupSums] = [:]
    private var inFlight = 0
    private var stopping = false
    private var writerStopped = false
    private var flushRequested = false
    private let droppedItems = Atomic<Int>(0)
    private let writtenItems = Atomic<Int>(0)

    /// Items dropped so far (queue full or write failed).
    public var dropped: Int { droppedItems.load(ordering: .relaxed) }
    /// Items committed so far.
    public var written: Int { writtenItems.load(ordering: .relaxed) }

    /// Items waiting for the writer right now.
    public var queueDepth: Int { lock.withLock { queue.count + inFlight } }

    /// How full the queue is, 0…1 (by weight: a counts-only chat is a sixteenth of a full one).
    public var load: Double {
        lock.withLock { Double(queuedWeight) / Double(configuration.queueCapacity * StoreItem.fullWeight) }
    }

    /// Starts the writer thread, which opens (or creates, migrates, or — if corrupt — sets aside and recreates)
    /// the database. Never blocks and never throws: a store that cannot open keeps retrying in the background.
    public init(configuration: Configuration, log: Log) {
        self.configuration = configuration
        self.log = log
        let writer = StoreWriter(configuration: configuration, log: log)
        spawnThread(name: "store-writer", stackSize: 1 << 20, background: configuration.backgroundWriter) { [self] in
            self.writerLoop(writer)
        }
    }

    /// Hands `item` to the writer. Never blocks on disk; returns `false` (and counts a drop) when the queue
    /// is full.
    ///
    /// `waitMs` > 0: a full queue holds the caller up to that long for room first. Under overload this is the
    /// back-pressure that lets the writer thread run: dozens of request threads competing for the cores would
    /// otherwise starve it, and everything past the queue would be refused.
    @discardableResult
    public func enqueue(_ item: StoreItem, waitMs: Int = 0) -> Bool {
        let weight = item.weight
        let capacity = configuration.queueCapacity * StoreItem.fullWeight
        if case .chat(let trace) = item, trace.countsOnly, !trace.summary.isError {
            let s = trace.summary
            let key = RollupKey(chat: s)
            return lock.withLock {
                guard !stopping else {
                    droppedItems.add(1, ordering: .relaxed)
                    return false
                }
                pendingCounts[key, default: ChatRollupSums()].add(s)
                return true
            }
        }
        return lock.withLock {
            if queuedWeight + weight > capacity && waitMs > 0 && !stopping {
                let deadline = monotonicNs() + UInt64(waitMs) * 1_000_000
                lock.broadcast()  // wake the writer now rather than at its next flush interval
                while queuedWeight + weight > capacity && !stopping && monotonicNs() < deadline {
                    lock.wait(untilNs: deadline)
                }
            }
            guard !stopping, queuedWeight + weight <= capacity else {
                droppedItems.add(1, ordering: .relaxed)
                return false
            }
            queuedWeight += weight
            queue.append(item)
            if queue.count >= configuration.batchSize { lock.broadcast() }
            return true
        }
    }

    /// Waits until everything enqueued so far is written (or `timeoutMs` passes); returns whether it was.
    @discardableResult
    public func flush(timeoutMs: Int = 5_000) -> Bool {
        let deadline = monotonicNs() + UInt64(timeoutMs) * 1_000_000
        return lock.withLock {
            flushRequested = true
            lock.broadcast()
            while !(queue.isEmpty && pendingCounts.isEmpty && inFlight == 0) {
                if monotonicNs() >= deadline { return false }
                lock.wait(untilNs: min(deadline, monotonicNs() + 5_000_000))
            }
            return true
        }
    }

    /// Writes what is queued (up to `timeoutMs`) and stops the writer. Later items are dropped.
    public func shutdown(timeoutMs: Int = 5_000) {
        flush(timeoutMs: timeoutMs)
        let deadline = monotonicNs() + UInt64(timeoutMs) * 1_000_000
        lock.withLock {
            stopping = true
            lock.broadcast()
            while !writerStopped && monotonicNs() < deadline { lock.wait(untilNs: deadline) }
        }
    }

    private func writerLoop(_ writer: StoreWriter) {
        // Opened here, not in init: a large store's integrity check and migrations take seconds, and the
        // handler must be serving meanwhile (items queue up, bounded, until the store is open).
        writer.ensureOpen()
        var nextMaintenance = monotonicNs() + 5_000_000_000
        while true {
            let (batch, counts, stop): ([StoreItem], [RollupKey: ChatRollupSums], Bool) = lock.withLock {
                if queue.isEmpty && pendingCounts.isEmpty && !stopping && !flushRequested {
                    lock.wait(untilNs: monotonicNs() + UInt64(configuration.flushIntervalMs) * 1_000_000)
                }
                flushRequested = false
                let batch = Array(queue.prefix(configuration.batchSize))
                queue.removeFirst(batch.count)
                queuedWeight -= batch.reduce(0) { $0 + $1.weight }
                let counts = pendingCounts
                pendingCounts.removeAll()
                inFlight = batch.count + counts.count
                if !batch.isEmpty { lock.broadcast() }  // room for callers waiting in enqueue(_:waitMs:)
                return (batch, counts, stopping && queue.isEmpty && pendingCounts.isEmpty)
            }
            if !batch.isEmpty || !counts.isEmpty {
                let items = batch.count + counts.values.reduce(0) { $0 + Int($1.requests) }
                if writer.write(batch, counts: counts) {
                    writtenItems.add(items, ordering: .relaxed)
                } else {
                    droppedItems.add(items, ordering: .relaxed)
                }
            }
            lock.withLock {
                inFlight = 0
                lock.broadcast()
            }
            if stop { break }
            if monotonicNs() >= nextMaintenance {
                writer.maintain()
                nextMaintenance = monotonicNs() + UInt64(configuration.maintenanceIntervalSeconds) * 1_000_000_000
            }
        }
        writer.close()
        lock.withLock {
            writerStopped = true
            lock.broadcast()
        }
    }
}
