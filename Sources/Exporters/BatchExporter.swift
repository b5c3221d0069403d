import KagamiConfig
import Storage
import Telemetry

/// One exporter's delivery: a bounded queue filled by the request path, and a background thread that
/// batches (by span count, estimated bytes and time), sends through its ``ExportTransport``, retries with
/// exponential backoff and jitter (honouring `Retry-After`), and drops — counted — what it cannot deliver.
///
/// A slow or dead receiver costs at most `max_queue_spans` spans of memory and a log line now and then;
/// the request path only ever takes a lock for an append.
public final class BatchExporter: TraceExporter {
    public let name: String
    let transport: any ExportTransport
    let settings: DeliverySettings
    let timeoutMs: Int
    let metrics: MetricsRegistry
    let log: ThrottledLog

    struct Queue {
        var items: [ChatTrace] = []
        var head = 0
        var spans = 0
        var bytes = 0
        var oldestNs: UInt64 = 0
        var stopping = false
        var deadlineNs: UInt64 = .max
        var finished = false
        var pending: Int { items.count - head }
    }

    private let lock = ConditionLock()
    // Guarded by `lock`.
    nonisolated(unsafe) private var queue = Queue()

    /// Starts the exporter's thread.
    public init(
        name: String, transport: any ExportTransport, settings: DeliverySettings, timeoutMs: Int,
        metrics: MetricsRegistry, log: Log
    ) {
        self.name = name
        self.transport = transport
        self.settings = settings
        self.timeoutMs = timeoutMs
        self.metrics = metrics
        self.log = ThrottledLog(log: log, exporter: name)
        metrics.gauge(KagamiMetrics.exporterQueue) { [weak self] in
            guard let self else { return [] }
            return [([("exporter", self.name)], Double(self.queuedSpans))]
        }
        metrics.add(KagamiMetrics.exporterSent, [("exporter", name)], 0)
        metrics.add(KagamiMetrics.exporterDropped, [("exporter", name), ("reason", "queue_full")], 0)
        spawnThread(name: "exporter", background: true) { [self] in run() }
    }

    /// Spans waiting now.
    public var queuedSpans: Int { lock.withLock { queue.spans } }

    public func export(_ trace: ChatTrace) {
        // A counts-only trace (the pipeline was overloaded) has no spans to send: it is in the metrics only.
        guard !trace.spans.isEmpty else { return }
        let spans = trace.spans.count
        let bytes = trace.estimatedBytes
        let (accepted, wake): (Bool, Bool) = lock.withLock {
            guard !queue.stopping, queue.spans + spans <= settings.maxQueueSpans else { return (false, false) }
            let first = queue.pending == 0
            if first { queue.oldestNs = monotonicNs() }
            queue.items.append(trace)
            queue.spans += spans
            queue.bytes += bytes
            // Wake the thread for the first span (to arm its flush timer) and for a full batch, not for each.
            return (true, first || queue.spans >= settings.batchSpans || queue.bytes >= settings.batchBytes)
        }
        if accepted {
            if wake { lock.broadcast() }
        } else {
            metrics.add(KagamiMetrics.exporterDropped, [("exporter", name), ("reason", "queue_full")], Double(spans))
            log.problem("queue_full", "queue full (\(settings.maxQueueSpans) spans): dropping new spans")
        }
    }

    public func shutdown(timeoutMs: Int) {
        let deadline = monotonicNs() + UInt64(max(0, timeoutMs)) * 1_000_000
        lock.withLock {
            queue.stopping = true
            queue.deadlineNs = deadline
        }
        lock.broadcast()
        lock.withLock {
            while !queue.finished && monotonicNs() < deadline { lock.wait(untilNs: deadline) }
        }
    }

    // MARK: the exporter thread

    private func run() {
        while let batch = nextBatch() {
            deliver(batch)
        }
        lock.withLock { queue.finished = true }
        lock.broadcast()
    }

    /// Waits for a full batch, the flush interval, or shutdown; `nil` when stopping with nothing left.
    private func nextBatch() -> [ChatTrace]? {
        lock.withLock {
            let flushNs = UInt64(settings.flushIntervalMs) * 1_000_000
            while true {
                if queue.pending > 0 {
                    let due = queue.oldestNs + flushNs
                    if queue.stopping || queue.spans >= settings.batchSpans || queue.bytes >= settings.batchBytes
                        || monotonicNs() >= due
                    {
                        return takeBatch()
                    }
                    lock.wait(untilNs: due)
                } else if queue.stopping {
                    return nil
                } else {
                    lock.wait(untilNs: monotonicNs() + 3_600_000_000_000)
                }
            }
        }
    }

    /// Takes up to one batch's worth (lock held).
    private func takeBatch() -> [ChatTrace] {
        var batch: [ChatTrace] = []
        var spans = 0
        var bytes = 0
        while queue.head < queue.items.count {
            let item = queue.items[queue.head]
            let itemSpans = max(1, item.spans.count)
            if !batch.isEmpty
                && (spans + itemSpans > settings.batchSpans || bytes + item.estimatedBytes > settings.batchBytes)
            {
                break
            }
            batch.append(item)
            spans += itemSpans
            bytes += item.estimatedBytes
            queue.head += 1
        }
        queue.spans -= spans
        queue.bytes -= bytes
        // Compact now and then, so the array does not grow without bound.
        if queue.head == queue.items.count {
            queue.items.removeAll(keepingCapacity: queue.items.count <= 4096)
            queue.head = 0
        } else if queue.head > 1024 {
            queue.items.removeFirst(queue.head)
            queue.head = 0
        }
        queue.oldestNs = monotonicNs()
        return batch
    }

    private func deliver(_ batch: [ChatTrace]) {
        let spans = batch.reduce(0) { $0 + max(1, $1.spans.count) }
        var attempt = 0
        while true {
            let (stopping, deadline) = lock.withLock { (queue.stopping, queue.deadlineNs) }
            var timeout = timeoutMs
            if stopping {
                let remaining = deadline > monotonicNs() ? Int((deadline - monotonicNs()) / 1_000_000) : 0
                guard remaining > 0 else {
                    drop(spans, code: "shutdown", reason: "shutdown deadline passed")
                    return
                }
                timeout = min(timeout, remaining)
            }
            switch transport.send(batch, timeoutMs: timeout) {
            case .delivered:
                metrics.add(KagamiMetrics.exporterSent, [("exporter", name)], Double(spans))
                log.recovered()
                return
            case .rejected(let reason, let code):
                metrics.add(KagamiMetrics.exporterFailures, [("exporter", name), ("reason", code)])
                drop(spans, code: code, reason: reason)
                return
            case .retryable(let reason, let code, let retryAfter):
                metrics.add(KagamiMetrics.exporterFailures, [("exporter", name), ("reason", code)])
                guard attempt < settings.maxRetries else {
                    drop(spans, code: code, reason: "\(reason); gave up after \(attempt + 1) attempts")
                    return
                }
                let delayMs = backoffMs(attempt: attempt, retryAfterSeconds: retryAfter)
                log.problem(code, "\(reason); retrying in \(delayMs) ms")
                metrics.add(KagamiMetrics.exporterRetries, [("exporter", name)])
                attempt += 1
                if !sleep(ms: delayMs) {
                    drop(spans, code: "shutdown", reason: "\(reason); shutting down")
                    return
                }
            }
        }
    }

    /// Exponential backoff with full jitter, or the receiver's `Retry-After`, capped by `max_backoff_ms`.
    func backoffMs(attempt: Int, retryAfterSeconds: Int?) -> Int {
        if let retryAfter = retryAfterSeconds { return min(settings.maxBackoffMs, retryAfter * 1000) }
        let ceiling = min(settings.maxBackoffMs, settings.initialBackoffMs << min(attempt, 20))
        return Int.random(in: (ceiling / 2)...ceiling)
    }

    /// Sleeps, waking early on shutdown; `false` when shutdown leaves no time to retry.
    private func sleep(ms: Int) -> Bool {
        let wake = monotonicNs() + UInt64(ms) * 1_000_000
        return lock.withLock {
            while monotonicNs() < wake {
                if queue.stopping && wake > queue.deadlineNs { return false }
                lock.wait(untilNs: queue.stopping ? min(wake, queue.deadlineNs) : wake)
            }
            return true
        }
    }

    private func drop(_ spans: Int, code: String, reason: String) {
        metrics.add(KagamiMetrics.exporterDropped, [("exporter", name), ("reason", code)], Double(spans))
        log.problem(code, "\(reason): dropped \(spans) spans")
    }
}

extension ChatTrace {
    /// A cheap guess of the encoded size, for batching by bytes without encoding twice.
    var estimatedBytes: Int {
        var total = 0
        for span in spans { total += 160 + span.attributes.count * 48 + span.events.count * 200 }
        total += (summary.inputMasked?.utf8.count ?? 0) * 4 + (summary.outputMasked?.utf8.count ?? 0) * 4
        return total
    }
}
