import Storage

/// Turns each finished chat into metric updates (counts, latency, TTFT, tokens, cost, cold starts, evaluation
/// labels). Runs on the request thread after the response: a few dictionary updates under one lock.
public struct ChatMetricsRecorder: Sendable {
    public let registry: MetricsRegistry
    /// Configured route paths; anything else (404s for made-up paths) is counted as `other`, so a scanner
    /// cannot grow the label set.
    let knownRoutes: Set<String>
    /// Known model names (configured); others become `other` for the same reason.
    let knownModels: Set<String>?

    public init(registry: MetricsRegistry, knownRoutes: Set<String>, knownModels: Set<String>? = nil) {
        self.registry = registry
        self.knownRoutes = knownRoutes
        self.knownModels = knownModels
        for family in KagamiMetrics.declared { registry.declare(family) }
    }

    /// Records one chat.
    public func record(_ trace: ChatTrace) {
        let s = trace.summary
        let route = knownRoutes.contains(s.route) ? s.route : "other"
        var model = s.model ?? ""
        if let knownModels, !model.isEmpty, !knownModels.contains(model) { model = "other" }
        let base: MetricLabels = [("route", route), ("model", model)]
        registry.add(KagamiMetrics.requests, base + [("status", String(s.status))])
        if let code = s.errorCode { registry.add(KagamiMetrics.errors, base + [("error", code)]) }
        registry.observe(KagamiMetrics.duration, base, s.durationMs / 1000)
        if let ttft = s.ttftMs { registry.observe(KagamiMetrics.ttft, base, ttft / 1000) }
        if let generation = s.generationMs, let output = s.outputTokens, output > 1 {
            registry.observe(KagamiMetrics.timePerToken, base, generation / 1000 / Double(output - 1))
        }
        if let input = s.inputTokens {
            registry.observe(KagamiMetrics.tokenUsage, base + [("type", "input")], Double(input))
            registry.add(KagamiMetrics.tokens, [("model", model), ("type", "input")], Double(input))
        }
        if let output = s.outputTokens {
            registry.observe(KagamiMetrics.tokenUsage, base + [("type", "output")], Double(output))
            registry.add(KagamiMetrics.tokens, [("model", model), ("type", "output")], Double(output))
        }
        if let cost = s.cost { registry.add(KagamiMetrics.cost, [("model", model)], cost) }
        if let queue = s.queueMs { registry.observe(KagamiMetrics.queueWait, [("route", route)], queue / 1000) }
        if let load = s.loadMs, load > 0 {
            registry.observe(KagamiMetrics.modelLoad, [("model", model)], load / 1000)
        }
        if s.coldStart { registry.add(KagamiMetrics.modelLoads, [("model", model)]) }
        for evaluation in trace.evaluations {
            registry.add(KagamiMetrics.evaluations, [("evaluator", evaluation.name), ("label", evaluation.label)])
        }
    }
}
