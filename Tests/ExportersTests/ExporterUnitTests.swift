import Foundation
import KagamiConfig
import Storage
import Synchronization
import Telemetry
import Testing

@testable import Exporters

@Suite struct ProtobufEncodingTests {
    @Test func nestedMessagesGetTheirLengthPrefix() {
        var w = ProtobufWriter()
        w.message(1) { inner in inner.string(2, String(repeating: "a", count: 200)) }
        // field 1 / wire type 2, then the length of (tag + 2-byte length + 200) = 203 as a two-byte varint.
        #expect(Array(w.bytes.prefix(6)) == [0x0A, 0xCB, 0x01, 0x12, 0xC8, 0x01])
        #expect(w.bytes.count == 3 + 203)
    }

    @Test func gzipRoundTripsThroughTheGzipMagic() throws {
        let input = Array(String(repeating: "kagami ", count: 500).utf8)
        let compressed = try #require(gzipCompress(input))
        #expect(compressed.prefix(2) == [0x1F, 0x8B])
        #expect(compressed.count < input.count / 10)
    }
}

@Suite struct PrometheusTextTests {
    @Test func countersAndHistogramsFollowTheExpositionFormat() {
        let registry = MetricsRegistry()
        registry.add(KagamiMetrics.requests, [("route", "/chat"), ("model", "m\"x"), ("status", "200")])
        registry.observe(KagamiMetrics.duration, [("route", "/chat"), ("model", "m")], 0.03)
        registry.observe(KagamiMetrics.duration, [("route", "/chat"), ("model", "m")], 100)
        let text = PrometheusText.render(registry.snapshot())
        #expect(text.contains("# TYPE kagami_requests_total counter\n"))
        #expect(text.contains(#"kagami_requests_total{route="/chat",model="m\"x",status="200"} 1"#))
        #expect(text.contains(#"kagami_request_duration_seconds_bucket{route="/chat",model="m",le="0.02"} 0"#))
        #expect(text.contains(#"kagami_request_duration_seconds_bucket{route="/chat",model="m",le="0.04"} 1"#))
        #expect(text.contains(#"kagami_request_duration_seconds_bucket{route="/chat",model="m",le="+Inf"} 2"#))
        #expect(text.contains(#"kagami_request_duration_seconds_count{route="/chat",model="m"} 2"#))
    }

    @Test func genAIBucketsAreTheStandardOnes() {
        #expect(KagamiMetrics.durationBuckets.first == 0.01 && KagamiMetrics.durationBuckets.last == 81.92)
        #expect(KagamiMetrics.tokenBuckets.first == 1 && KagamiMetrics.tokenBuckets.last == 67_108_864)
    }
}

@Suite struct DeliveryPolicyTests {
    @Test func statusesAreClassified() {
        #expect(ExportOutcome.classify(status: 200, body: [], retryAfterSeconds: nil) == .delivered)
        if case .retryable(_, "http_429", 7) = ExportOutcome.classify(status: 429, body: [], retryAfterSeconds: 7) {
        } else {
            Issue.record("429 must be retried with its Retry-After")
        }
        if case .retryable = ExportOutcome.classify(status: 503, body: [], retryAfterSeconds: nil) {
        } else {
            Issue.record("5xx must be retried")
        }
        if case .rejected(let reason, "http_400") = ExportOutcome.classify(
            status: 400, body: Array("bad span".utf8), retryAfterSeconds: nil)
        {
            #expect(reason.contains("bad span"))
        } else {
            Issue.record("400 must not be retried")
        }
    }

    @Test func headersFromTheEnvironmentAreParsed() {
        let headers = ExporterSet.parseHeaders("api-key=abc%3D%3D, x-team = ml ,broken")
        #expect(headers.map(\.0) == ["api-key", "x-team"])
        #expect(headers.map(\.1) == ["abc==", "ml"])
    }
}

/// A transport that answers from a script and records what it got.
final class ScriptedTransport: ExportTransport {
    let answers: Mutex<[ExportOutcome]>
    let batches = Mutex<[[ChatTrace]]>([])

    init(_ answers: [ExportOutcome]) { self.answers = Mutex(answers) }

    func send(_ traces: [ChatTrace], timeoutMs: Int) -> ExportOutcome {
        batches.withLock { $0.append(traces) }
        return answers.withLock { $0.isEmpty ? .delivered : $0.removeFirst() }
    }
}

func sampleTrace(id: Int, spans: Int = 3) -> ChatTrace {
    let trace = String(repeating: "a", count: 24) + String(format: "%08x", id)
    let summary = ChatSummary(
        traceID: trace, requestID: "r\(id)", startNs: 1, durationMs: 5, route: "/chat", model: "echo", status: 200)
    return ChatTrace(
        summary: summary,
        spans: (0..<spans).map { Span(traceID: trace, parentSpanID: nil, name: "s\($0)", startNs: 1, endNs: 2) },
        evaluations: [])
}

@Suite struct BatchExporterTests {
    func make(_ transport: ScriptedTransport, _ settings: DeliverySettings) -> (BatchExporter, MetricsRegistry) {
        let registry = MetricsRegistry()
        return (
            BatchExporter(
                name: "test", transport: transport, settings: settings, timeoutMs: 1000, metrics: registry,
                log: Log(component: "test")),
            registry
        )
    }

    @Test func retriesThenDeliversAndFlushesOnShutdown() {
        let transport = ScriptedTransport([.retryable(reason: "down", code: "connect_failed"), .delivered])
        let (exporter, registry) = make(
            transport, DeliverySettings(batchSpans: 6, flushIntervalMs: 50, initialBackoffMs: 10, maxBackoffMs: 20))
        for id in 0..<4 { exporter.export(sampleTrace(id: id)) }
        exporter.shutdown(timeoutMs: 3000)
        let sent = transport.batches.withLock { $0 }
        #expect(sent.count >= 3)  // first batch twice (retry), then the rest
        #expect(registry.value(KagamiMetrics.exporterSent, [("exporter", "test")]) == 12)
        #expect(registry.value(KagamiMetrics.exporterRetries, [("exporter", "test")]) == 1)
    }

    @Test func aFullQueueDropsAndCountsInsteadOfBlocking() {
        let transport = ScriptedTransport(Array(repeating: .retryable(reason: "down", code: "http_5xx"), count: 100))
        let (exporter, registry) = make(
            transport,
            DeliverySettings(
                maxQueueSpans: 9, batchSpans: 3, flushIntervalMs: 1, maxRetries: 100, initialBackoffMs: 1000))
        let start = monotonicNs()
        for id in 0..<50 { exporter.export(sampleTrace(id: id)) }
        #expect(monotonicNs() - start < 50_000_000)  // enqueueing never waits on the receiver
        #expect(registry.value(KagamiMetrics.exporterDropped, [("exporter", "test"), ("reason", "queue_full")]) >= 100)
        exporter.shutdown(timeoutMs: 100)
    }

    @Test func rejectedBatchesAreDroppedWithoutRetry() {
        let transport = ScriptedTransport([.rejected(reason: "bad", code: "http_400")])
        let (exporter, registry) = make(transport, DeliverySettings(flushIntervalMs: 1))
        exporter.export(sampleTrace(id: 1))
        exporter.shutdown(timeoutMs: 2000)
        #expect(transport.batches.withLock { $0.count } == 1)
        #expect(registry.value(KagamiMetrics.exporterDropped, [("exporter", "test"), ("reason", "http_400")]) == 3)
    }

    @Test func backoffDoublesWithJitterAndHonoursRetryAfter() {
        let (exporter, _) = make(ScriptedTransport([]), DeliverySettings(initialBackoffMs: 100, maxBackoffMs: 1000))
        for _ in 0..<20 {
            #expect((50...100).contains(exporter.backoffMs(attempt: 0, retryAfterSeconds: nil)))
            #expect((200...400).contains(exporter.backoffMs(attempt: 2, retryAfterSeconds: nil)))
            #expect((500...1000).contains(exporter.backoffMs(attempt: 9, retryAfterSeconds: nil)))
        }
        #expect(exporter.backoffMs(attempt: 0, retryAfterSeconds: 3) == 1000)  // capped
        exporter.shutdown(timeoutMs: 100)
    }
}

@Suite struct ExporterConfigTests {
    @Test func exportersSectionDecodesStrictlyAndValidates() throws {
        let json =
            #"{"exporters": {"otlp": {"enabled": true, "encoding": "json", "endpoint": "http://127.0.0.1:4318"},"#
            + #" "datadog": {"enabled": true, "url": "http://127.0.0.1:9"}, "prometheus": {"allow": ["10.0.0.0/8"]}}}"#
        let configuration = try KagamiConfiguration.parse(json: Array(json.utf8))
        #expect(configuration.exporters.otlp.encoding == .json)
        #expect(configuration.exporters.datadog.baseURL == "http://127.0.0.1:9")
        #expect(configuration.validate().isEmpty)
        #expect(throws: ConfigErrors.self) {
            try KagamiConfiguration.parse(json: Array(#"{"exporters": {"otlp": {"endpiont": "x"}}}"#.utf8))
        }
        var bad = configuration
        bad.exporters.otlp.endpoint = "ftp://x"
        bad.exporters.prometheus.allow = ["127.0.0.1; deny"]
        let keys = bad.validate().map(\.keyPath)
        #expect(keys.contains("exporters.otlp.endpoint") && keys.contains("exporters.prometheus.allow[0]"))
    }
}
