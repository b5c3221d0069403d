/// Kagami's metric families: Prometheus names (`kagami_` prefix, `_total`, `_seconds`) and, where one exists,
/// the OpenTelemetry GenAI name with its standard bucket boundaries.
///
/// Labels are bounded on purpose: configured routes (anything else is `other`), models, status codes, error
/// codes, evaluation names and labels. Never a session, trace or user.
public enum KagamiMetrics {
    /// GenAI `gen_ai.client.operation.duration` buckets: 0.01 s doubling to 81.92 s.
    public static let durationBuckets: [Double] = (0..<14).map { 0.01 * Double(1 << $0) }
    /// GenAI `gen_ai.client.token.usage` buckets: 1, 4, 16, … 67108864.
    public static let tokenBuckets: [Double] = (0..<14).map { Double(1 << (2 * $0)) }
    /// GenAI `gen_ai.server.time_to_first_token` buckets.
    public static let ttftBuckets: [Double] = [
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ]
    /// GenAI `gen_ai.server.time_per_output_token` buckets.
    public static let timePerTokenBuckets: [Double] = [
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
    ]

    static let genAI = ["model": "gen_ai.request.model", "route": "kagami.route", "error": "error.type"]

    public static let requests = MetricFamily(
        name: "kagami_requests_total", help: "Chat requests answered, by route, model and HTTP status.",
        type: .counter, otlpName: "kagami.requests", unit: "{request}", otlpAttributes: genAI)
    public static let errors = MetricFamily(
        name: "kagami_request_errors_total", help: "Chat requests that failed, by route, model and error code.",
        type: .counter, otlpName: "kagami.request.errors", unit: "{request}", otlpAttributes: genAI)
    public static let duration = MetricFamily(
        name: "kagami_request_duration_seconds", help: "Whole chat request time as the handler saw it.",
        type: .histogram, buckets: durationBuckets, otlpName: "gen_ai.client.operation.duration", unit: "s",
        otlpAttributes: genAI)
    public static let ttft = MetricFamily(
        name: "kagami_time_to_first_token_seconds", help: "Request arrival to the first token sent to the client.",
        type: .histogram, buckets: ttftBuckets, otlpName: "gen_ai.server.time_to_first_token", unit: "s",
        otlpAttributes: genAI)
    public static let timePerToken = MetricFamily(
        name: "kagami_time_per_output_token_seconds", help: "Generation time per output token after the first.",
        type: .histogram, buckets: timePerTokenBuckets, otlpName: "gen_ai.server.time_per_output_token", unit: "s",
        otlpAttributes: genAI)
    public static let tokenUsage = MetricFamily(
        name: "kagami_token_usage", help: "Tokens per request, by type (input, output).", type: .histogram,
        buckets: tokenBuckets, otlpName: "gen_ai.client.token.usage", unit: "{token}",
        otlpAttributes: genAI.merging(["type": "gen_ai.token.type"]) { a, _ in a })
    public static let tokens = MetricFamily(
        name: "kagami_tokens_total", help: "Tokens processed, by model and type (input, output).", type: .counter)
    public static let cost = MetricFamily(
        name: "kagami_cost_total", help: "Cloud-equivalent cost of the tokens, in the configured currency.",
        type: .counter)
    public static let queueWait = MetricFamily(
        name: "kagami_queue_wait_seconds", help: "Time waiting for an admission slot.", type: .histogram,
        buckets: durationBuckets)
    public static let queueDepth = MetricFamily(
        name: "kagami_queue_depth", help: "Requests at each backend now, by state (running, waiting).",
        type: .gauge)
    public static let modelLoads = MetricFamily(
        name: "kagami_model_loads_total", help: "Requests that waited for a model load over the cold-start threshold.",
        type: .counter)
    public static let modelLoad = MetricFamily(
        name: "kagami_model_load_seconds", help: "Model load time reported by the backend.", type: .histogram,
        buckets: durationBuckets)
    public static let evaluations = MetricFamily(
        name: "kagami_evaluations_total", help: "Local evaluation results, by evaluator and label.", type: .counter)
    public static let tracesReduced = MetricFamily(
        name: "kagami_traces_reduced_total",
        help: "Chats recorded with less detail: without_evaluations and counts when the trace pipeline was behind, "
            + "sampled (counts only) past observability.max_traces_per_second. They are still counted everywhere.",
        type: .counter)
    public static let tracesDropped = MetricFamily(
        name: "kagami_traces_dropped_total",
        help: "Chats not recorded at all because the trace pipeline's queue was full (not in these metrics either).",
        type: .counter)
    public static let exporterQueue = MetricFamily(
        name: "kagami_exporter_queue_spans", help: "Spans waiting in each exporter's queue.", type: .gauge)
    public static let exporterSent = MetricFamily(
        name: "kagami_exporter_sent_spans_total", help: "Spans each exporter delivered.", type: .counter)
    public static let exporterDropped = MetricFamily(
        name: "kagami_exporter_dropped_spans_total", help: "Spans each exporter gave up on, by reason.",
        type: .counter)
    public static let exporterRetries = MetricFamily(
        name: "kagami_exporter_retries_total", help: "Export requests retried, by exporter.", type: .counter)
    public static let exporterFailures = MetricFamily(
        name: "kagami_exporter_failed_requests_total", help: "Export requests that failed, by exporter and reason.",
        type: .counter)

    /// Families listed on `/metrics` even before the first chat.
    public static let declared = [requests, errors, duration, ttft, tokenUsage, tokens, modelLoads, evaluations]
}
