import Exporters
import HTTPClient
import KagamiConfig
import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// `exporter-encode`: protobuf vs OTLP/JSON size and encode time per 1,000 spans, and the Datadog JSON.
/// `exporter-throughput --url URL`: spans/s encoded and sent as protobuf to a local receiver through the
/// real delivery path (queue, batching, libcurl).
func benchExporterEncode(n: Int) {
    let spans = (0..<1000).flatMap { i in benchTrace(i).spans }.prefix(1000).map { $0 }
    let encoder = OTLPTraceEncoder(resource: ExportResource(environment: "bench"))
    var pbBytes = 0
    var jsonBytes = 0
    var pbTimes: [Double] = []
    var jsonTimes: [Double] = []
    for _ in 0..<n {
        var start = monotonicMilliseconds()
        pbBytes = encoder.protobuf(spans).count
        pbTimes.append(monotonicMilliseconds() - start)
        start = monotonicMilliseconds()
        jsonBytes = encoder.json(spans).utf8.count
        jsonTimes.append(monotonicMilliseconds() - start)
    }
    let gz = gzipCompress(encoder.protobuf(spans))?.count ?? 0
    print("exporter-encode: 1,000 spans of real chat shape (8 per chat, masked text), N=\(n) runs")
    print("  protobuf: \(pbBytes) bytes (gzip \(gz)), median \(formatFixed(percentiles(pbTimes).median, digits: 2)) ms")
    print("  OTLP/JSON: \(jsonBytes) bytes, median \(formatFixed(percentiles(jsonTimes).median, digits: 2)) ms")
}

func benchExporterThroughput(url: String, chats: Int) {
    HTTPClient.globalInit()
    let registry = MetricsRegistry()
    let poster = HTTPPoster(http: HTTPClient(), headers: [], gzip: false)
    let transport = OTLPTraceTransport(
        endpoint: url, encoding: .protobuf, openinference: true, resource: ExportResource(), poster: poster)
    let exporter = BatchExporter(
        name: "bench", transport: transport,
        settings: DeliverySettings(maxQueueSpans: 1 << 22, batchSpans: 2048, batchBytes: 8 << 20, flushIntervalMs: 50),
        timeoutMs: 10_000, metrics: registry, log: Log(component: "bench"))
    let traces = (0..<1000).map(benchTrace)
    let spansPerChat = traces[0].spans.count
    let start = monotonicMilliseconds()
    for i in 0..<chats { exporter.export(traces[i % traces.count]) }
    exporter.shutdown(timeoutMs: 120_000)
    let seconds = (monotonicMilliseconds() - start) / 1000
    let sent = registry.value(KagamiMetrics.exporterSent, [("exporter", "bench")])
    print("exporter-throughput: \(chats) chats × \(spansPerChat) spans, protobuf, batches of 2048 spans, to \(url)")
    print("  \(Int(sent)) spans delivered in \(formatFixed(seconds, digits: 2)) s = \(Int(sent / seconds)) spans/s")
}

/// One chat's trace with the span tree ChatHandler records (server, workflow, queue, LLM, phases, HTTP).
func benchTrace(_ i: Int) -> ChatTrace {
    let trace = randomHex(bytes: 16)
    let start: UInt64 = 1_700_000_000_000_000_000 + UInt64(i) * 1_000_000_000
    let summary = ChatSummary(
        traceID: trace, requestID: randomHex(bytes: 16), startNs: start, durationMs: 900, route: "/chat",
        model: "gemma3:270m", provider: "llama.cpp", status: 200, sessionID: "tab-\(i % 50)", inputTokens: 40,
        outputTokens: 120, ttftMs: 180, inputMasked: "What is th…[masked 80 chars]",
        outputMasked: "The capita…[masked 400 chars]")
    let server = Span(
        traceID: trace, parentSpanID: nil, name: "POST /chat", kind: .server, startNs: start,
        endNs: start + 900_000_000,
        attributes: [
            "http.request.method": .string("POST"), "http.route": .string("/chat"),
            "http.response.status_code": .int(200), "kagami.request_id": .string(summary.requestID),
        ])
    let workflow = Span(
        traceID: trace, parentSpanID: server.spanID, name: "chat", startNs: start,
        endNs: start + 900_000_000, attributes: ["kagami.span.kind": .string("workflow"), "kagami.stream": .bool(true)])
    var llm = Span(
        traceID: trace, parentSpanID: workflow.spanID, name: "chat gemma3:270m", kind: .client,
        startNs: start + 1_000_000, endNs: start + 900_000_000,
        attributes: [
            "gen_ai.operation.name": .string("chat"), "gen_ai.provider.name": .string("llama.cpp"),
            "gen_ai.request.model": .string("gemma3:270m"), "gen_ai.usage.input_tokens": .int(40),
            "gen_ai.usage.output_tokens": .int(120), "gen_ai.response.finish_reasons": .strings(["stop"]),
            "kagami.span.kind": .string("llm"), "kagami.ttft_ms": .double(180.5),
            "gen_ai.input.messages": .string(summary.inputMasked!),
            "gen_ai.output.messages": .string(summary.outputMasked!),
        ])
    llm.events = [
        SpanEvent(
            name: "gen_ai.evaluation.result", timeNs: start + 900_000_000,
            attributes: ["gen_ai.evaluation.name": .string("quality"), "gen_ai.evaluation.score.label": .string("ok")])
    ]
    var spans = [server, workflow, llm]
    for (name, offset) in [
        ("queue", 0), ("model.load", 1), ("prompt.eval", 2), ("generate", 3), ("POST /v1/chat/completions", 4),
    ] {
        spans.append(
            Span(
                traceID: trace, parentSpanID: llm.spanID, name: name,
                startNs: start + UInt64(offset) * 100_000_000, endNs: start + UInt64(offset + 1) * 100_000_000,
                attributes: ["kagami.phase": .string(name), "kagami.duration_ms": .double(100)]))
    }
    return ChatTrace(summary: summary, spans: spans, evaluations: [])
}
