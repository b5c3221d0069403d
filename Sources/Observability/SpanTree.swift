import ChatService
import LLMBackends
import Storage
import Telemetry

/// The spans of one chat request, laid out on the timeline:
///
/// ```
/// POST /chat (server)
/// └─ chat (workflow)
///    ├─ queue                      waiting for an admission slot
///    └─ chat <model> (LLM, GenAI attributes)
///       ├─ model.load              from the backend's load_duration
///       ├─ prompt.eval             from prompt_eval_duration / timings.prompt_ms
///       ├─ generate                from eval_duration / timings.predicted_ms
///       └─ POST /api/chat (HTTP client: connect, first byte)
/// ```
/// Requests rejected before the backend get the server span only (with their status), so error rate and
/// throughput stay true.
struct SpanTree {
    let record: ChatRecord
    let summary: ChatSummary
    let endNs: UInt64
    let evaluations: [StoredEvaluation]
    let inputMasked: String?
    let outputMasked: String?

    func spans() -> [Span] {
        let trace = record.trace.traceID
        let start = record.startedAtNs
        let error = record.failure.map(\.code)
        var server = Span(
            traceID: trace, parentSpanID: record.trace.parentSpanID, name: "\(record.method) \(record.route)",
            kind: .server, startNs: start, endNs: endNs,
            errorType: record.status >= 500 || (error != nil && record.status == 200) ? error : nil,
            attributes: [
                "http.request.method": .string(record.method), "http.route": .string(record.route),
                "url.path": .string(record.route), "http.response.status_code": .int(record.status),
                "http.request.body.size": .int(record.requestBytes),
                "http.response.body.size": .int(record.responseBytes), "kagami.request_id": .string(record.requestID),
            ])
        if record.status >= 400 && record.status < 500, let error {
            server.attributes["kagami.rejected"] = .string(error)
        }
        if let session = record.request?.sessionID { server.attributes["session.id"] = .string(session) }
        guard record.request != nil, record.queueMs != nil || record.result != nil else { return [server] }

        var spans = [server]
        let workflow = Span(
            traceID: trace, parentSpanID: server.spanID, name: "chat", startNs: start, endNs: endNs, errorType: error,
            attributes: [
                "kagami.span.kind": .string("workflow"), "kagami.stream": .bool(record.streamed),
                "kagami.client_disconnected": .bool(record.clientDisconnected),
            ])
        spans.append(workflow)

        let queueMs = record.queueMs ?? 0
        let queueEnd = start + ns(queueMs)
        spans.append(
            Span(
                traceID: trace, parentSpanID: workflow.spanID, name: "queue", startNs: start, endNs: queueEnd,
                errorType: error == "queue_full" || error == "queue_timeout" ? error : nil,
                attributes: ["kagami.phase": .string("queue")]))
        guard record.requestedModel != nil, error != "queue_full", error != "queue_timeout" else { return spans }

        let result = record.result
        var llm = Span(
            traceID: trace, parentSpanID: workflow.spanID,
            name: "chat \(record.requestedModel ?? "unknown")", kind: .client, startNs: queueEnd, endNs: endNs,
            errorType: error, attributes: llmAttributes(result))
        for evaluation in evaluations {
            llm.events.append(
                SpanEvent(
                    name: "gen_ai.evaluation.result", timeNs: endNs,
                    attributes: [
                        "gen_ai.evaluation.name": .string(evaluation.name),
                        "gen_ai.evaluation.score.label": .string(evaluation.label),
                        "gen_ai.evaluation.score.value": .double(evaluation.score),
                        "gen_ai.evaluation.explanation": .string(evaluation.reason),
                    ]))
        }
        spans.append(llm)

        // Backend phases, placed after the connection was made, in the order the backend runs them.
        let timings = result?.backendTimings
        var cursor = queueEnd + ns(result?.connectMs ?? 0)
        for (name, ms) in [
            ("model.load", timings?.loadMs), ("prompt.eval", timings?.promptEvalMs),
            ("generate", timings?.generationMs),
        ] {
            guard let ms, ms > 0 else { continue }
            let phaseEnd = min(endNs, cursor + ns(ms))
            spans.append(
                Span(
                    traceID: trace, parentSpanID: llm.spanID, name: name, startNs: cursor, endNs: phaseEnd,
                    attributes: ["kagami.phase": .string(name), "kagami.duration_ms": .double(ms)]))
            cursor = phaseEnd
        }
        if let result {
            spans.append(
                Span(
                    traceID: trace, parentSpanID: llm.spanID,
                    name: record.providerName == "ollama" ? "POST /api/chat" : "POST /v1/chat/completions",
                    kind: .client, startNs: queueEnd, endNs: min(endNs, queueEnd + ns(result.durationMs)),
                    attributes: [
                        "server.address": .string(record.serverAddress ?? ""),
                        "kagami.http.connect_ms": .double(result.connectMs),
                        "kagami.http.first_byte_ms": .double(result.firstByteMs),
                    ]))
        }
        return spans
    }

    private func llmAttributes(_ result: ChatResult?) -> [String: AttributeValue] {
        var a: [String: AttributeValue] = [
            "gen_ai.operation.name": .string("chat"),
            "gen_ai.provider.name": .string(record.providerName ?? "unknown"),
            "gen_ai.request.model": .string(record.requestedModel ?? ""),
            "kagami.span.kind": .string("llm"),
            "kagami.route": .string(record.route),
            "kagami.configured_model": .string(record.configuredModel ?? ""),
            "kagami.cold_start": .bool(summary.coldStart),
        ]
        if let maxTokens = record.maxTokens { a["gen_ai.request.max_tokens"] = .int(maxTokens) }
        if let temperature = record.request?.temperature { a["gen_ai.request.temperature"] = .double(temperature) }
        if let session = record.request?.sessionID { a["gen_ai.conversation.id"] = .string(session) }
        if let address = record.serverAddress { a["server.address"] = .string(address) }
        if let model = result?.model { a["gen_ai.response.model"] = .string(model) }
        if let reason = result?.doneReason { a["gen_ai.response.finish_reasons"] = .strings([reason]) }
        if let tokens = result?.promptTokens { a["gen_ai.usage.input_tokens"] = .int(tokens) }
        if let tokens = result?.completionTokens { a["gen_ai.usage.output_tokens"] = .int(tokens) }
        if let ttft = record.handlerTTFTMs { a["kagami.ttft_ms"] = .double(ttft) }
        if let ttft = result?.ttftMs { a["kagami.backend_ttft_ms"] = .double(ttft) }
        if let rate = result?.tokensPerSecond { a["kagami.tokens_per_second"] = .double(rate) }
        if let cached = result?.backendTimings.cachedPromptTokens { a["kagami.cached_prompt_tokens"] = .int(cached) }
        if let cost = summary.cost { a["kagami.cost"] = .double(cost) }
        if let cost = summary.hostCost { a["kagami.host_cost"] = .double(cost) }
        if let error = record.failure?.code { a["error.type"] = .string(error) }
        // Content is opt-in in the GenAI conventions: only the masked form, as the policy allows.
        if let input = inputMasked { a["gen_ai.input.messages"] = .string(input) }
        if let output = outputMasked { a["gen_ai.output.messages"] = .string(output) }
        return a
    }

    private func ns(_ ms: Double) -> UInt64 { UInt64(max(0, ms) * 1_000_000) }
}
