import ChatService
import Evaluations
import KagamiConfig
import LLMBackends
import Privacy
import Storage
import Telemetry

/// Turns a finished chat (raw, in memory) into what may be stored and exported: masked text, spans with
/// OpenTelemetry GenAI attributes, evaluation results and cost.
///
/// This is the one place raw text is read after the response: evaluators see it here, then only the
/// masked form leaves this type.
public struct ChatTraceBuilder: Sendable {
    let configuration: KagamiConfiguration
    let masker: Masker
    let suite: EvaluationSuite?
    let cost: CostModel
    /// Masking policies per route path, parsed once.
    let policies: [String: (input: MaskingPolicy, output: MaskingPolicy)]
    let defaultPolicies: (input: MaskingPolicy, output: MaskingPolicy)

    /// Fails when a masking policy in the configuration does not parse (validation normally catches it first).
    public init(configuration: KagamiConfiguration, hashKey: [UInt8]) throws(ConfigErrors) {
        self.configuration = configuration
        self.masker = Masker(hashKey: hashKey)
        self.suite = configuration.observability.evaluations ? EvaluationSuite() : nil
        self.cost = CostModel(settings: configuration.cost)
        func parse(_ text: String, _ key: String) throws(ConfigErrors) -> MaskingPolicy {
            guard let policy = MaskingPolicy(parsing: text) else {
                throw ConfigErrors(errors: [ConfigError(keyPath: key, message: "\"\(text)\" is not a masking policy")])
            }
            return policy
        }
        let input = try parse(configuration.masking.input, "masking.input")
        let output = try parse(configuration.masking.output, "masking.output")
        defaultPolicies = (input, output)
        var perRoute: [String: (input: MaskingPolicy, output: MaskingPolicy)] = [:]
        for (index, route) in configuration.routes.enumerated() {
            perRoute[route.path] = (
                try route.masking.input.map { text throws(ConfigErrors) in
                    try parse(text, "routes[\(index)].masking.input")
                } ?? input,
                try route.masking.output.map { text throws(ConfigErrors) in
                    try parse(text, "routes[\(index)].masking.output")
                } ?? output
            )
        }
        policies = perRoute
    }

    /// How much of a trace to build: less when the pipeline is behind, so every request is still counted.
    public enum Detail: String, Sendable, CaseIterable {
        /// Everything: evaluations, masked text, spans.
        case full
        /// No evaluators (the costly part); the trace is otherwise complete.
        case withoutEvaluations = "without_evaluations"
        /// Counts only: status, timings, tokens and cost go to the per-minute rollups and the metrics (the
        /// overview stays true); a failed chat also keeps its summary row. No spans, evaluations or text.
        case counts
    }

    /// Whether `record` always keeps its detail, whatever the sampling: it failed, or it waited for a model load
    /// (a cold start).
    public func isNotable(_ record: ChatRecord) -> Bool {
        record.status >= 400 || record.failure != nil
            || configuration.observability.isColdStart(loadMs: record.result?.backendTimings.loadMs)
    }

    /// Builds the stored form of `record` at the given level of detail.
    public func build(_ record: ChatRecord, detail: Detail = .full) -> ChatTrace {
        let evaluate = detail == .full
        let keepText = detail != .counts
        let policy = policies[record.route] ?? defaultPolicies
        let prompt = record.request?.messages.last(where: { $0.role == "user" })?.content
        let result = record.result
        let endNs = record.startedAtNs + UInt64(max(0, record.durationMs) * 1e6)
        let model = result?.model ?? record.requestedModel
        let loadMs = result?.backendTimings.loadMs
        let coldStart = configuration.observability.isColdStart(loadMs: loadMs)

        var evaluations: [StoredEvaluation] = []
        if evaluate, let suite, let prompt, record.request != nil, record.result != nil || !record.replyText.isEmpty {
            let input = EvaluationInput(
                prompt: prompt, reply: record.replyText, doneReason: result?.doneReason, maxTokens: record.maxTokens,
                completionTokens: result?.completionTokens)
            evaluations = suite.evaluate(input).map {
                StoredEvaluation(name: $0.name, label: $0.label, score: $0.score, reason: $0.reason)
            }
        }

        let inputMasked = keepText ? prompt.flatMap { masker.mask($0, with: policy.input) } : nil
        let outputMasked =
            !keepText || record.replyText.isEmpty ? nil : masker.mask(record.replyText, with: policy.output)
        let cloudCost = cost.cloudCost(
            model: model, inputTokens: result?.promptTokens, outputTokens: result?.completionTokens)
        let hostCost = cost.hostCost(durationMs: record.durationMs)

        let summary = ChatSummary(
            traceID: record.trace.traceID, requestID: record.requestID, startNs: record.startedAtNs,
            durationMs: record.durationMs, route: record.route, model: model, provider: record.providerName,
            status: record.status, errorCode: record.failure?.code, errorMessage: record.failure?.message,
            sessionID: record.request?.sessionID, inputTokens: result?.promptTokens,
            outputTokens: result?.completionTokens, ttftMs: record.handlerTTFTMs,
            tokensPerSecond: result?.tokensPerSecond, queueMs: record.queueMs, loadMs: loadMs,
            promptEvalMs: result?.backendTimings.promptEvalMs, generationMs: result?.backendTimings.generationMs,
            coldStart: coldStart, cost: cloudCost, hostCost: hostCost, inputMasked: inputMasked,
            outputMasked: outputMasked, streamed: record.streamed, clientDisconnected: record.clientDisconnected)
        let spans =
            detail == .counts
            ? []
            : SpanTree(
                record: record, summary: summary, endNs: endNs, evaluations: evaluations, inputMasked: inputMasked,
                outputMasked: outputMasked
            ).spans()
        return ChatTrace(summary: summary, spans: spans, evaluations: evaluations, countsOnly: detail == .counts)
    }
}
