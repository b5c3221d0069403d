import ChatService
import Storage
import Telemetry

/// Where finished chats go: the observer ChatHandler installs. The request thread only appends the raw
/// record to a bounded in-memory queue; one pipeline thread builds each trace (evaluations on the raw text,
/// masking, spans, cost — a few hundred µs) and hands the masked result to every sink: the store, the metrics,
/// the exporters.
///
/// Raw text stays in memory only, and only until its trace is built. When chats arrive faster than the pipeline
/// can follow, it builds less rather than dropping: with a backlog over a quarter of the queue it skips the
/// evaluators (tens of µs per trace instead of hundreds), over half of it it keeps only the counts (a few µs, and
/// next to nothing for the writer: successful chats only add to the per-minute rollup, failed ones keep their
/// summary row). Every request is still counted — metrics, rollups, the overview — and only labels, spans and
/// text are missing for those. When the queue is full anyway, the request thread builds the counts itself (a
/// few µs, no shared lock but the queue's) into an overflow 8× longer; only when that is full too is a chat
/// not recorded. Request threads never wait, and never touch the metrics or the store (64 of them contending
/// for the metrics lock cost more than the work). ``overload`` says how often each happened.
///
/// Independently of any backlog, at most `maxTracesPerSecond` successful chats a second get full detail (a token
/// bucket with one second of burst); past that they are counted only, like an APM agent's ingestion sampling.
/// Failed chats and cold starts always keep their detail. A local model answers a few chats a second, far below
/// the default of 100: the limit keeps a flood from spending a core on evaluations and the writer.
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
    /// Counts-only traces built by request threads that found `queue` full (small: no text, no spans).
    private var overflow: [ChatTrace] = []
    private var busy = false
    private var flushing = 0
    /// How long the pipeline thread waits for more chats after the first one wakes it.
    static let gatherMs = 5
    private var dropped = 0
    private var reduced: [ChatTraceBuilder.Detail: Int] = [:]
    /// Successful chats counted only because the full-detail budget was spent (pipeline thread only).
    private var sampledOut = 0
    private var budget: TraceBudget

    private let downstreamLoad: @Sendable () -> Double

    /// `capacity` bounds the raw records held at once (each holds a conversation and a reply). Default 256.
    /// `downstreamLoad` says how full the sinks' own queues are (0…1, e.g. the store's): the fuller of that and
    /// this queue decides how much detail the next traces get, so a slow writer is answered with lighter traces
    /// before anything has to be dropped. `maxTracesPerSecond`: the full-detail budget for successful chats a second (0: no limit).
    public init(
        builder: ChatTraceBuilder, sinks: [Sink], capacity: Int = 256,
        downstreamLoad: @escaping @Sendable () -> Double = { 0 }, maxTracesPerSecond: Double = 0
    ) {
        self.builder = builder
        self.sinks = sinks
        self.capacity = max(1, capacity)
        self.downstreamLoad = downstreamLoad
        self.budget = TraceBudget(perSecond: maxTracesPerSecond)
        spawnThread(name: "trace-pipeline", stackSize: 1 << 20, background: true) { [self] in self.work() }
    }

    /// A sink that writes traces to `store`. A full store queue holds the pipeline thread (never a request
    /// thread) up to `waitMs` for room.
    public static func storing(in store: TelemetryStore, waitMs: Int = 20) -> Sink {
        { trace in store.enqueue(.chat(trace), waitMs: waitMs) }
    }

    /// How full `store`'s queue is, for `downstreamLoad`.
    public static func load(of store: TelemetryStore) -> @Sendable () -> Double {
        { store.load }
    }

    public func chatFinished(_ record: ChatRecord) {
        let queued = lock.withLock {
            guard queue.count < capacity else { return false }
            queue.append(record)
            // Wake the pipeline for the first record (it then gathers for a moment) and when the queue fills;
            // not for every chat: thousands of wake-ups a second cost the request threads more than the work.
            if queue.count == 1 || queue.count == capacity / 8 { lock.broadcast() }
            return true
        }
        if queued { return }
        // The queue of raw records is full: keep the counts at least. Building them takes a few µs here and drops
        // the text at once, so the overflow can be 8× longer than the queue for about the same memory.
        let counts = builder.build(record, detail: .counts)
        lock.withLock {
            guard overflow.count < capacity * 8 else {
                dropped += 1
                return
            }
            overflow.append(counts)
            reduced[.counts, default: 0] += 1
            lock.broadcast()
        }
    }

    /// Records dropped because the queue was full, traces built with less detail because of a backlog, and
    /// successful chats counted only because the full-detail budget was spent.
    public var overload: (dropped: Int, withoutEvaluations: Int, countsOnly: Int, sampledOut: Int) {
        lock.withLock {
            (dropped, reduced[.withoutEvaluations, default: 0], reduced[.counts, default: 0], sampledOut)
        }
    }

    /// Raw records waiting for the pipeline thread.
    public var queued: Int { lock.withLock { queue.count } }

    /// The level of detail for a backlog of `backlog` records here and a downstream queue `downstream` full.
    func detail(forBacklog backlog: Int, downstream: Double = 0) -> ChatTraceBuilder.Detail {
        let load = max(Double(backlog) / Double(capacity), downstream)
        return load <= 0.25 ? .full : load <= 0.5 ? .withoutEvaluations : .counts
    }

    /// Waits until every record handed over so far has reached the sinks (or `timeoutMs` passes).
    @discardableResult
    public func flush(timeoutMs: Int = 5_000) -> Bool {
        let deadline = monotonicNs() + UInt64(timeoutMs) * 1_000_000
        return lock.withLock {
            flushing += 1
            defer { flushing -= 1 }
            lock.broadcast()
            while !queue.isEmpty || !overflow.isEmpty || busy {
                if monotonicNs() >= deadline { return false }
                lock.wait(untilNs: min(deadline, monotonicNs() + 10_000_000))
            }
            return true
        }
    }

    private func work() {
        while true {
            let (batch, counted): ([ChatRecord], [ChatTrace]) = lock.withLock {
                while queue.isEmpty && overflow.isEmpty {
                    busy = false
                    lock.broadcast()
                    lock.wait(untilNs: monotonicNs() + 1_000_000_000)
                }
                busy = true
                // Gather: one wake-up then serves every chat of the next few ms. Traces reach the store at most
                // `gatherMs` later; a flush or a filling queue cuts the wait short.
                let gatherUntil = monotonicNs() + UInt64(Self.gatherMs) * 1_000_000
                while flushing == 0 && queue.count < capacity / 8 && overflow.isEmpty && monotonicNs() < gatherUntil {
                    lock.wait(untilNs: gatherUntil)
                }
                // Hand the arrays over rather than copy them: keeping their capacity here would allocate a second
                // buffer as large as the biggest backlog so far (the overflow's reaches ~0.8 MB) while this one is
                // being worked through.
                defer {
                    queue = []
                    overflow = []
                }
                return (queue, overflow)
            }
            for trace in counted { dispatch(trace) }
            // An overflow means the queue was full a moment ago: build light until it has drained.
            let detail =
                counted.isEmpty ? detail(forBacklog: batch.count, downstream: downstreamLoad()) : .counts
            // Each chat is counted once: under the reason it lost detail for (the backlog, or the budget).
            var lighter: [ChatTraceBuilder.Detail: Int] = [:]
            var sampled = 0
            let nowNs = monotonicNs()  // the batch arrived within `gatherMs`: one clock read serves it
            for record in batch {
                var kept = detail
                if kept != .counts && !builder.isNotable(record) && !budget.take(atNs: nowNs) {
                    kept = .counts
                    sampled += 1
                } else if kept != .full {
                    lighter[kept, default: 0] += 1
                }
                dispatch(builder.build(record, detail: kept))
            }
            if sampled > 0 || !lighter.isEmpty {
                lock.withLock {
                    sampledOut += sampled
                    reduced.merge(lighter, uniquingKeysWith: +)
                }
            }
        }
    }

    private func dispatch(_ trace: ChatTrace) {
        for sink in sinks { sink(trace) }
    }
}

/// A token bucket: `perSecond` tokens a second, at most one second's worth saved up. `perSecond` 0: unlimited.
struct TraceBudget {
    let perSecond: Double
    private var tokens: Double
    private var lastNs: UInt64 = 0

    init(perSecond: Double) {
        self.perSecond = perSecond
        self.tokens = perSecond
    }

    /// Takes a token if there is one.
    mutating func take(atNs nowNs: UInt64) -> Bool {
        guard perSecond > 0 else { return true }
        if lastNs != 0 { tokens = min(perSecond, tokens + Double(nowNs &- lastNs) / 1e9 * perSecond) }
        lastNs = nowNs
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
