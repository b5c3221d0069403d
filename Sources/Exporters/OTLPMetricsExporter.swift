import KagamiConfig
import Telemetry

/// Sends the registry's cumulative metrics to `{endpoint}/v1/metrics` every interval from its own thread.
/// Cumulative values make a lost send harmless: the next one carries everything, so there is no retry queue.
public final class OTLPMetricsExporter: Sendable {
    let poster: HTTPPoster
    let url: String
    let encoding: OTLPEncoding
    let encoder: OTLPMetricsEncoder
    let registry: MetricsRegistry
    let intervalNs: UInt64
    let timeoutMs: Int
    let log: ThrottledLog
    private let lock = ConditionLock()
    // Guarded by `lock`.
    nonisolated(unsafe) private var stopping = false
    nonisolated(unsafe) private var finished = false

    /// Starts the thread.
    public init(
        endpoint: String, encoding: OTLPEncoding, resource: ExportResource, registry: MetricsRegistry,
        intervalSeconds: Double, timeoutMs: Int, poster: HTTPPoster, log: Log
    ) {
        self.poster = poster
        self.url = OTLPTraceTransport.signalURL(endpoint, "metrics")
        self.encoding = encoding
        self.encoder = OTLPMetricsEncoder(resource: resource)
        self.registry = registry
        self.intervalNs = UInt64(intervalSeconds * 1e9)
        self.timeoutMs = timeoutMs
        self.log = ThrottledLog(log: log, exporter: "otlp-metrics")
        spawnThread(name: "metrics-export", background: true) { [self] in run() }
    }

    /// Sends one last time (within `timeoutMs`) and stops.
    public func shutdown(timeoutMs: Int) {
        let deadline = monotonicNs() + UInt64(max(0, timeoutMs)) * 1_000_000
        lock.withLock { stopping = true }
        lock.broadcast()
        lock.withLock {
            while !finished && monotonicNs() < deadline { lock.wait(untilNs: deadline) }
        }
    }

    /// Encodes and posts the current values now.
    public func sendNow(timeoutMs: Int) -> ExportOutcome {
        let snapshot = registry.snapshot()
        let now = wallClockNanoseconds()
        let start = registry.startNs == 0 ? now : registry.startNs
        switch encoding {
        case .protobuf:
            return poster.post(
                url, body: encoder.protobuf(snapshot, startNs: start, nowNs: now),
                contentType: "application/x-protobuf",
                timeoutMs: timeoutMs)
        case .json:
            return poster.post(
                url, body: Array(encoder.json(snapshot, startNs: start, nowNs: now).utf8),
                contentType: "application/json", timeoutMs: timeoutMs)
        }
    }

    private func run() {
        var next = monotonicNs() + intervalNs
        while true {
            let stop = lock.withLock {
                while !stopping && monotonicNs() < next { lock.wait(untilNs: next) }
                return stopping
            }
            report(sendNow(timeoutMs: stop ? min(timeoutMs, 2_000) : timeoutMs))
            if stop { break }
            next = monotonicNs() + intervalNs
        }
        lock.withLock { finished = true }
        lock.broadcast()
    }

    private func report(_ outcome: ExportOutcome) {
        switch outcome {
        case .delivered: log.recovered()
        case .retryable(let reason, let code, _): log.problem(code, "\(reason); the next send carries these values")
        case .rejected(let reason, let code): log.problem(code, reason)
        }
    }
}
