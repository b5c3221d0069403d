import Storage

/// Sends chats to Datadog LLM Observability: spans to `/api/intake/llm-obs/v1/trace/spans`, then their
/// evaluations to `/api/intake/llm-obs/v2/eval-metric` (the version Datadog's SDKs use).
public struct DatadogTransport: ExportTransport {
    let poster: HTTPPoster
    let encoder: DatadogLLMObsEncoder
    let baseURL: String
    let evaluations: Bool

    /// `poster` must carry the `DD-API-KEY` header.
    public init(baseURL: String, encoder: DatadogLLMObsEncoder, evaluations: Bool, poster: HTTPPoster) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.encoder = encoder
        self.evaluations = evaluations
        self.poster = poster
    }

    public var spansURL: String { baseURL + "/api/intake/llm-obs/v1/trace/spans" }
    public var evaluationsURL: String { baseURL + "/api/intake/llm-obs/v2/eval-metric" }

    public func send(_ traces: [ChatTrace], timeoutMs: Int) -> ExportOutcome {
        let outcome = poster.post(
            spansURL, body: Array(encoder.spansBody(traces).utf8), contentType: "application/json",
            timeoutMs: timeoutMs)
        guard outcome == .delivered, evaluations, let body = encoder.evaluationsBody(traces) else { return outcome }
        // Spans are in; a failed evaluation post is reported but does not resend the spans.
        let evaluationOutcome = poster.post(
            evaluationsURL, body: Array(body.utf8), contentType: "application/json", timeoutMs: timeoutMs)
        if case .delivered = evaluationOutcome { return .delivered }
        return evaluationOutcome.droppingRetry
    }
}

extension ExportOutcome {
    /// Retrying would resend what already arrived, so a retryable failure becomes a rejection.
    var droppingRetry: ExportOutcome {
        if case .retryable(let reason, let code, _) = self {
            return .rejected(reason: "evaluations: \(reason)", code: code)
        }
        return self
    }
}
