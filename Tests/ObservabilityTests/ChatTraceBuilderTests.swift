import KagamiConfig
import LLMBackends
import Privacy
import Storage
import Synchronization
import Telemetry
import Testing

@testable import ChatService
@testable import Observability

#if canImport(Glibc)
    import Glibc
#endif

private let canary = "CANARY-7f3a9 mail canary.7f3a9@example.com"

private func record(
    prompt: String = "Please summarise this: \(canary)", reply: String = "Sure: \(canary)", status: Int = 200,
    failure: ChatFailure? = nil, load: Double? = 2_400, route: String = "/chat"
) -> ChatRecord {
    let result = ChatResult(
        text: reply, model: "gemma3:270m", promptTokens: 20, completionTokens: 40, doneReason: "length",
        backendTimings: BackendTimings(loadMs: load, promptEvalMs: 100, generationMs: 500), ttftMs: 2_600,
        durationMs: 3_050, connectMs: 0.2, firstByteMs: 2_550)
    return ChatRecord(
        requestID: "r1",
        trace: TraceContext(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", parentSpanID: "00f067aa0ba902b7"),
        traceFromClient: true, startedAtNs: 1_000_000_000_000, durationMs: 3_100, method: "POST", route: route,
        status: status, failure: failure,
        request: ChatRequest(
            messages: [ChatMessage(role: "user", content: prompt)], sessionID: "tab-1", maxTokens: 40, temperature: 0.2,
            stream: true),
        backendName: "default", providerName: "ollama", serverAddress: "http://127.0.0.1:11434",
        configuredModel: "tinyllama:latest", requestedModel: "gemma3:270m", maxTokens: 40, queueMs: 12,
        result: failure == nil ? result : nil, replyText: failure == nil ? reply : "", streamed: true,
        handlerTTFTMs: 2_610, requestBytes: 80, responseBytes: 900, clientDisconnected: false)
}

private func builder(_ mutate: (inout KagamiConfiguration) -> Void = { _ in }) throws -> ChatTraceBuilder {
    var configuration = KagamiConfiguration()
    configuration.cost = CostSettings(
        models: ["gemma3:270m": .init(inputPerMillion: 1, outputPerMillion: 2)], hostMonthlyPrice: 2_592_000)
    mutate(&configuration)
    return try ChatTraceBuilder(configuration: configuration, hashKey: Array("k".utf8))
}

@Test func spanTreeExplainsWhereTheTimeWent() throws {
    let trace = try builder().build(record())
    let names = trace.spans.map(\.name)
    #expect(
        names == [
            "POST /chat", "chat", "queue", "chat gemma3:270m", "model.load", "prompt.eval", "generate",
            "POST /api/chat",
        ])
    let byName = Dictionary(uniqueKeysWithValues: trace.spans.map { ($0.name, $0) })
    let server = try #require(byName["POST /chat"])
    #expect(server.parentSpanID == "00f067aa0ba902b7")  // joined to the browser's span
    let llm = try #require(byName["chat gemma3:270m"])
    #expect(llm.attributes["gen_ai.operation.name"] == .string("chat"))
    #expect(llm.attributes["gen_ai.provider.name"] == .string("ollama"))
    #expect(llm.attributes["gen_ai.usage.input_tokens"] == .int(20))
    #expect(llm.attributes["gen_ai.usage.output_tokens"] == .int(40))
    #expect(llm.attributes["gen_ai.response.finish_reasons"] == .strings(["length"]))
    #expect(llm.attributes["gen_ai.request.max_tokens"] == .int(40))
    #expect(llm.attributes["gen_ai.conversation.id"] == .string("tab-1"))
    let load = try #require(byName["model.load"])
    #expect(load.parentSpanID == llm.spanID && load.durationNs == 2_400_000_000)
    #expect(try #require(byName["prompt.eval"]).startNs == load.endNs)
    #expect(trace.summary.coldStart)
    #expect(!trace.evaluations.isEmpty)
    #expect(llm.events.count == trace.evaluations.count)
}

@Test func costIsCloudEquivalentAndHostTime() throws {
    let summary = try builder().build(record()).summary
    #expect(summary.cost == (20.0 * 1 + 40.0 * 2) / 1_000_000)
    // 2 592 000 a month = 1 per second of request time.
    #expect(abs((summary.hostCost ?? 0) - 3.1) < 1e-9)
}

@Test func rejectedRequestsAreASingleServerSpan() throws {
    var rejected = record(status: 413, failure: ChatFailure(status: 413, code: "message_too_long", message: "too long"))
    rejected.queueMs = nil
    rejected.requestedModel = nil
    let trace = try builder().build(rejected)
    #expect(trace.spans.map(\.name) == ["POST /chat"])
    #expect(trace.summary.isError && trace.summary.errorCode == "message_too_long")
    #expect(trace.evaluations.isEmpty)
}

@Test(arguments: ["prefix:10", "pii", "hash", "drop"])
func theCanaryNeverLeavesUnmasked(policy: String) throws {
    let trace = try builder {
        $0.masking = MaskingSettings(input: policy, output: policy)
    }.build(record())
    let everything =
        [trace.summary.inputMasked ?? "", trace.summary.outputMasked ?? "", trace.summary.errorMessage ?? ""]
        + trace.spans.map(\.attributesJSON) + trace.evaluations.map(\.reason)
        + trace.spans.flatMap { $0.events.map { String(describing: $0.attributes) } }
    for text in everything {
        #expect(!text.contains("canary.7f3a9@example.com"), "\(policy): \(text)")
        if policy != "pii" { #expect(!text.contains("CANARY-7f3a9"), "\(policy): \(text)") }
    }
}

@Test func policyNoneKeepsTheTextSoTheCanaryTestCanFail() throws {
    let trace = try builder { $0.masking = MaskingSettings(input: "none", output: "none") }.build(record())
    #expect(trace.summary.inputMasked?.contains("canary.7f3a9@example.com") == true)
}

@Test func routeOverridesTheGlobalPolicy() throws {
    let trace = try builder {
        $0.routes = [RouteSettings(path: "/private", model: "m", masking: RouteMasking(input: "drop", output: "drop"))]
    }.build(record(route: "/private"))
    #expect(trace.summary.inputMasked == nil && trace.summary.outputMasked == nil)
}

@Test(arguments: ["prefix", "prefix:0", "prefix:25", "pii", "hash", "drop", "none", "prefix:x", "PII", "mask", ""])
func configValidationAndPrivacyAgreeOnPolicies(text: String) {
    var configuration = KagamiConfiguration()
    configuration.masking.input = text
    let configAccepts = configuration.validate().isEmpty
    #expect(configAccepts == (MaskingPolicy(parsing: text) != nil), "\(text)")
}

@Test func lighterDetailKeepsTheCountsAndDropsTheRest() throws {
    let builder = try builder()
    let full = builder.build(record())
    let noEvaluations = builder.build(record(), detail: .withoutEvaluations)
    #expect(noEvaluations.evaluations.isEmpty && noEvaluations.spans.count == full.spans.count)
    #expect(noEvaluations.summary.inputMasked == full.summary.inputMasked && !noEvaluations.countsOnly)
    let counts = builder.build(record(), detail: .counts)
    #expect(counts.countsOnly && counts.spans.isEmpty && counts.evaluations.isEmpty)
    #expect(counts.summary.inputMasked == nil && counts.summary.outputMasked == nil)
    // Everything the rollups and metrics need is still there.
    #expect(counts.summary.durationMs == full.summary.durationMs && counts.summary.cost == full.summary.cost)
    #expect(counts.summary.outputTokens == 40 && counts.summary.coldStart && counts.summary.status == 200)
}

@Test func theBacklogDecidesHowMuchDetailTracesGet() throws {
    let pipeline = TracePipeline(builder: try builder(), sinks: [], capacity: 100)
    #expect(pipeline.detail(forBacklog: 1) == .full)
    #expect(pipeline.detail(forBacklog: 25) == .full)
    #expect(pipeline.detail(forBacklog: 26) == .withoutEvaluations)
    #expect(pipeline.detail(forBacklog: 51) == .counts)
    // A writer that is behind (its queue 60% full) lightens traces even when this queue is short.
    #expect(pipeline.detail(forBacklog: 1, downstream: 0.3) == .withoutEvaluations)
    #expect(pipeline.detail(forBacklog: 1, downstream: 0.6) == .counts)
}

@Test func everyChatReachesTheSinksWithItsCounts() throws {
    let seen = Mutex<[ChatTrace]>([])
    let pipeline = TracePipeline(builder: try builder(), sinks: [{ trace in seen.withLock { $0.append(trace) } }])
    for _ in 0..<20 { pipeline.chatFinished(record()) }
    #expect(pipeline.flush())
    #expect(seen.withLock { $0.count } == 20)
    #expect(pipeline.overload.dropped == 0)
}

@Test func pastTheTraceBudgetSuccessfulChatsAreCountedButFailuresAndColdStartsKeepTheirDetail() throws {
    let seen = Mutex<[ChatTrace]>([])
    let pipeline = TracePipeline(
        builder: try builder(), sinks: [{ trace in seen.withLock { $0.append(trace) } }], maxTracesPerSecond: 5)
    for _ in 0..<30 { pipeline.chatFinished(record(load: 10)) }
    for _ in 0..<3 {
        pipeline.chatFinished(
            record(status: 502, failure: ChatFailure(status: 502, code: "backend_error", message: "HTTP 500"), load: 10)
        )
    }
    for _ in 0..<2 { pipeline.chatFinished(record(load: 2_400)) }
    #expect(pipeline.flush())
    let traces = seen.withLock { $0 }
    #expect(traces.count == 35)  // every chat reaches the sinks (rollups, metrics)
    let ordinary = traces.filter { $0.summary.status == 200 && !$0.summary.coldStart }
    #expect(ordinary.filter { !$0.countsOnly }.count == 5)  // one second's budget, spent at once
    #expect(ordinary.filter(\.countsOnly).allSatisfy { $0.spans.isEmpty && $0.summary.inputMasked == nil })
    #expect(traces.filter { $0.summary.status == 502 }.allSatisfy { !$0.countsOnly && !$0.spans.isEmpty })
    #expect(traces.filter(\.summary.coldStart).count == 2)
    #expect(traces.filter(\.summary.coldStart).allSatisfy { !$0.countsOnly })
    #expect(pipeline.overload.sampledOut == 25)
}

@Test func theTraceBudgetRefillsAtItsRateAndSavesAtMostOneSecond() {
    var budget = TraceBudget(perSecond: 4)
    func taken(_ attempts: Int, atNs nowNs: UInt64) -> Int {
        var count = 0
        for _ in 0..<attempts where budget.take(atNs: nowNs) { count += 1 }
        return count
    }
    let start: UInt64 = 1_000_000_000
    #expect(taken(6, atNs: start) == 4)
    #expect(taken(1, atNs: start + 250_000_000) == 1)  // a quarter second: one more
    #expect(taken(1, atNs: start + 260_000_000) == 0)
    // Ten idle seconds save one second's worth, not ten.
    #expect(taken(10, atNs: start + 10_260_000_000) == 4)
    budget = TraceBudget(perSecond: 0)  // no limit
    #expect(taken(1_000, atNs: start) == 1_000)
}

@Test func aFullQueueStillCountsEveryChat() throws {
    // The sink is stuck on the first trace, so the queue (capacity 2) fills; the next chats are counted by the
    // request thread into the overflow (8 × 2), and only what is past both is dropped.
    let released = Atomic<Bool>(false)
    let seen = Mutex<[ChatTrace]>([])
    let pipeline = TracePipeline(
        builder: try builder(),
        sinks: [
            { trace in
                while !released.load(ordering: .acquiring) { usleep(1_000) }
                seen.withLock { $0.append(trace) }
            }
        ], capacity: 2)
    pipeline.chatFinished(record())
    while pipeline.queued > 0 { usleep(1_000) }  // the pipeline thread took it and is stuck in the sink
    for _ in 0..<25 { pipeline.chatFinished(record()) }
    #expect(pipeline.overload.dropped == 7)  // 1 in the sink, 2 queued, 16 overflow, 25 - 18 = 7
    released.store(true, ordering: .releasing)
    #expect(pipeline.flush())
    let traces = seen.withLock { $0 }
    #expect(traces.count == 19)
    #expect(traces.filter(\.countsOnly).count >= 16)
    #expect(traces.allSatisfy { $0.summary.durationMs == 3_100 && $0.summary.outputTokens == 40 })
}
