import ChatService
import Storage
import Telemetry

/// Where finished chats go: the observer ChatHandler installs. The request thread only appends the raw
/// record to a bounded in-memory queue; one pipeline thread builds each trace (evaluations on the raw text,
/// masking, spans, cost — a few hundred µs) and hands the masked result to every sink: the store, the metrics,
/// the exporters.
///
/// Raw text stays in memory only, and only until its trace is built. When chats arrive faster than one core can
/// evaluate them (a backlog over a quarter of the queue), the pipeline skips the evaluators for that backlog —
/// tens of µs per trace instead of hundreds — so metrics and traces stay true and only labels are missing. A
/// queue that is full anyway drops the record and counts it; request threads never build traces themselves
/// (64 of them contending for the metrics lock cost more than the work).
///
/// `@unchecked Sendable`: the queue is guarded by its ``ConditionLock``.
public final class TracePipeline: ChatObserver, @unchecked Sendable {
    /// Receives each built trace; must only enqueue (it runs on the pipeline thread).
    public typealias Sink = @Sendable (ChatTrace) -> Void

    private let builder: ChatTraceBuilder
    private let sinks: [Sink]
    private let capacity: Int
    private let lock = ConditionLock()
    private var queue: [ChatRecord] = []
    private var busy = false
    private var dropped = 0
    private var unevaluated = 0

    /// `capacity` bounds the raw records held at once (each holds a conversation and a reply). Default 256.
    public init(builder: ChatTraceBuilder, sinks: [Sink], capacity: Int = 256) {
        self.builder = builder
        self.sinks = sinks
        self.capacity = max(1, capacity)
        spawnThread(stackSize: 1 << 20) { [self] in self.work() }
    }

    /// A sink that writes traces to `store`.
    public static func storing(in store: TelemetryStore) -> Sink {
        { trace in store.enqueue(.chat(trace)) }
    }

    public func chatFinished(_ record: ChatRecord) {
        lock.withLock {
            guard queue.count < capacity else {
                dropped += 1
                return
            }
            queue.append(record)
            lock.broadcast()
        }
    }

    /// Records dropped because the queue was full, and traces built without evaluations because of a backlog.
    public var overload: (dropped: Int, unevaluated: Int) { lock.withLock { (dropped, unevaluated) } }

    /// Waits until every record handed over so far has reached the sinks (or `timeoutMs` passes).
    @discardableResult
    public func flush(timeoutMs: Int = 5_000) -> Bool {
        let deadline = monotonicNs() + UInt64(timeoutMs) * 1_000_000
        return lock.withLock {
            while !queue.isEmpty || busy {
                if monotonicNs() >= deadline { return false }
                lock.wait(untilNs: min(deadline, monotonicNs() + 10_000_000))
            }
            return true
        }
    }

    private func work() {
        while true {
            let batch: [ChatRecord] = lock.withLock {
                while queue.isEmpty {
                    busy = false
                    lock.broadcast()
                    lock.wait(untilNs: monotonicNs() + 1_000_000_000)
                }
                busy = true
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            let evaluate = batch.count <= capacity / 4
            if !evaluate { lock.withLock { unevaluated += batch.count } }
            for record in batch { dispatch(builder.build(record, evaluate: evaluate)) }
        }
    }

    private func dispatch(_ trace: ChatTrace) {
        for sink in sinks { sink(trace) }
    }
}
