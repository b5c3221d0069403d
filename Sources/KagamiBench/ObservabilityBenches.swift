import ChatService
import HostSampling
import KagamiConfig
import LLMBackends
import Observability
import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// A 2 KB text in two languages, with one email in it (so PII detection has work to do).
private let twoKB: String = {
    let sentence = "東京の天気は明日も晴れでしょうか。The forecast says clear skies until Friday evening. "
    var text = ""
    while text.utf8.count < 2_000 { text += sentence }
    return text + " contact: hanako@example.jp"
}()

private func sampleRecord(_ index: Int) -> ChatRecord {
    let result = ChatResult(
        text: twoKB, model: "gemma3:270m", promptTokens: 512, completionTokens: 480, doneReason: "stop",
        backendTimings: BackendTimings(loadMs: 12, promptEvalMs: 900, generationMs: 6_200), ttftMs: 930,
        durationMs: 7_150, connectMs: 0.1, firstByteMs: 920)
    return ChatRecord(
        requestID: randomHex(bytes: 16), trace: .random(), traceFromClient: false,
        startedAtNs: wallClockNanoseconds(), durationMs: 7_200, method: "POST", route: "/chat", status: 200,
        failure: nil,
        request: ChatRequest(
            messages: [ChatMessage(role: "user", content: twoKB)], sessionID: "bench", maxTokens: 512,
            temperature: nil, stream: true),
        backendName: "default", providerName: "ollama", serverAddress: "http://127.0.0.1:11434",
        configuredModel: "gemma3:270m", requestedModel: "gemma3:270m", maxTokens: 512, queueMs: 0.1, result: result,
        replyText: twoKB, streamed: true, handlerTTFTMs: 935, requestBytes: 2_100, responseBytes: 40_000,
        clientDisconnected: false)
}

func benchTraceBuild(n: Int) {
    var withoutEvaluations = KagamiConfiguration()
    withoutEvaluations.observability.evaluations = false
    traceBuild(n: n, configuration: KagamiConfiguration(), label: "spans + evaluations + masking (prefix:10) + enqueue")
    traceBuild(n: n, configuration: withoutEvaluations, label: "the same without evaluations")
}

private func traceBuild(n: Int, configuration: KagamiConfiguration, label: String) {
    let directory = temporaryDirectory()
    defer { removeTree(directory) }
    // Room for every trace: this measures building, not the store's drop policy.
    let store = TelemetryStore(
        configuration: .init(path: directory + "/bench.db", queueCapacity: 2 * n + 1_000), log: Log(component: "bench"))
    let builder = try! ChatTraceBuilder(configuration: configuration, hashKey: Array("bench".utf8))
    let records = (0..<64).map(sampleRecord)
    // 1. The whole build (evaluations + masking + spans) as the pipeline thread does it, plus the store enqueue.
    for index in 0..<500 { store.enqueue(.chat(builder.build(records[index % records.count]))) }  // warm-up
    var samples: [Double] = []
    samples.reserveCapacity(n)
    for index in 0..<n {
        let started = monotonicMilliseconds()
        store.enqueue(.chat(builder.build(records[index % records.count])))
        samples.append((monotonicMilliseconds() - started) * 1000)
        if index % 1000 == 999 { while store.queueDepth > 2_000 { usleep(1_000) } }  // let the writer keep up
    }
    // 2. What the request thread itself pays: handing the raw record to the pipeline.
    let pipeline = TracePipeline(builder: builder, sinks: [TracePipeline.storing(in: store)], capacity: 1_000_000)
    var handOver: [Double] = []
    for index in 0..<n {
        let started = monotonicMilliseconds()
        pipeline.chatFinished(records[index % records.count])
        handOver.append((monotonicMilliseconds() - started) * 1000)
    }
    pipeline.flush(timeoutMs: 600_000)
    store.shutdown(timeoutMs: 600_000)
    let (median, p99) = percentiles(samples)
    let (handMedian, handP99) = percentiles(handOver)
    print("trace-build: \(label), 2 KB prompt and 2 KB reply, N=\(n)")
    print(
        "  on the request thread (hand-over to the pipeline): median \(formatFixed(handMedian, digits: 2)) µs, p99 \(formatFixed(handP99, digits: 2)) µs (target ≤ 100 µs median)"
    )
    print("  on the pipeline thread (build + store enqueue):")
    print(
        "    median \(formatFixed(median, digits: 1)) µs, p99 \(formatFixed(p99, digits: 1)) µs per chat"
    )
    print("  store: \(store.written) written, \(store.dropped) dropped")
}

func benchStoreIngest(chats: Int) {
    let directory = temporaryDirectory()
    defer { removeTree(directory) }
    let store = TelemetryStore(
        configuration: .init(path: directory + "/bench.db", queueCapacity: 200_000), log: Log(component: "bench"))
    let builder = try! ChatTraceBuilder(configuration: KagamiConfiguration(), hashKey: Array("bench".utf8))
    let traces = (0..<256).map { builder.build(sampleRecord($0)) }
    let spansPerChat = traces[0].spans.count
    let started = monotonicMilliseconds()
    for index in 0..<chats {
        var trace = traces[index % traces.count]
        let id = randomHex(bytes: 16)
        trace.summary.traceID = id
        for span in trace.spans.indices { trace.spans[span].traceID = id }
        while !store.enqueue(.chat(trace)) { usleep(500) }
    }
    store.flush(timeoutMs: 600_000)
    let seconds = (monotonicMilliseconds() - started) / 1000
    store.shutdown()
    let spans = Double(chats * spansPerChat)
    print(
        "store-ingest: \(chats) chats × \(spansPerChat) spans + \(traces[0].evaluations.count) evaluations + rollup, one writer, WAL, synchronous=NORMAL"
    )
    print(
        "  \(formatFixed(spans / seconds, digits: 0)) spans/s (\(formatFixed(Double(chats) / seconds, digits: 0)) chats/s) over \(formatFixed(seconds, digits: 1)) s (target ≥ 20000 spans/s); dropped \(store.dropped - 0)"
    )
}

func benchSummary(chats: Int) {
    let directory = temporaryDirectory()
    defer { removeTree(directory) }
    let path = directory + "/bench.db"
    let store = TelemetryStore(
        configuration: .init(path: path, queueCapacity: 200_000, batchSize: 5_000), log: Log(component: "bench"))
    let now = wallClockNanoseconds()
    let routes = ["/chat", "/granite", "/rag"]
    let models = ["gemma3:270m", "granite3.2:2b", "qwen2.5:1.5b"]
    print("summary: generating \(chats) chats spread over the last hour (summaries and rollups; spans omitted)…")
    let generationStarted = monotonicMilliseconds()
    for index in 0..<chats {
        let summary = ChatSummary(
            traceID: randomHex(bytes: 16), requestID: "r", startNs: now - UInt64(index % 3_600_000) * 1_000_000,
            durationMs: Double(200 + (index * 7919) % 9_000), route: routes[index % 3], model: models[index % 3],
            status: index % 50 == 0 ? 504 : 200, inputTokens: 100, outputTokens: 200, ttftMs: 300,
            coldStart: index % 500 == 0)
        while !store.enqueue(.chat(ChatTrace(summary: summary, spans: [], evaluations: []))) { usleep(500) }
    }
    store.flush(timeoutMs: 1_800_000)
    store.shutdown()
    print("  generated in \(formatFixed((monotonicMilliseconds() - generationStarted) / 1000, digits: 1)) s")
    let queries = try! TelemetryQueries(path: path)
    var samples: [Double] = []
    var requests = 0
    for _ in 0..<21 {
        let started = monotonicMilliseconds()
        requests = try! queries.summary(fromNs: now - 3_600_000_000_000, toNs: now + 1).requests
        samples.append(monotonicMilliseconds() - started)
    }
    let (median, p99) = percentiles(samples)
    print(
        "  one-hour summary over \(requests) stored requests: median \(formatFixed(median, digits: 2)) ms, max \(formatFixed(p99, digits: 2)) ms of 21 runs (target ≤ 50 ms)"
    )
}

func benchSampler(n: Int) {
    let sampler = HostSampler(runnerNames: ["ollama", "llama-server"])
    _ = sampler.sample()
    usleep(100_000)
    let cpuBefore = processCPUSeconds()
    let started = monotonicMilliseconds()
    var processes = 0
    for _ in 0..<n {
        processes = sampler.sample()?.processes.count ?? processes
        usleep(10_000)
    }
    let cpuPerSample = (processCPUSeconds() - cpuBefore) / Double(n)
    var count = 0
    if let directory = opendir("/proc") {
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 >= 48 && entry.pointee.d_name.0 <= 57 { count += 1 }
        }
        closedir(directory)
    }
    _ = started
    print("sampler: \(n) samples of /proc with \(count) processes on the host (\(processes) kept per sample)")
    print(
        "  \(formatFixed(cpuPerSample * 1000, digits: 2)) ms CPU per sample → \(formatFixed(cpuPerSample / 5 * 100, digits: 3))% of one core at the 5 s default interval (target ≤ 0.5%)"
    )
}
