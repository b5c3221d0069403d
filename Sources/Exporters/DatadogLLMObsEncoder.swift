import Storage
import Telemetry

/// Encodes chats for Datadog LLM Observability's JSON span API (`POST /api/intake/llm-obs/v1/trace/spans`)
/// and its evaluation API (`POST /api/intake/llm-obs/v2/eval-metric`).
///
/// Each chat becomes a `workflow` root span (`parent_id: "undefined"`) with the `llm` span and the phases
/// (`task`) under it; the HTTP server span is folded into the workflow. Times are ns (`start_ns`,
/// `duration`), `time_to_first_token` is seconds, text is the masked form only. Span ids are the decimal
/// form of our 64-bit ids and trace ids the 128-bit hex, as Datadog's own SDKs send them.
public struct DatadogLLMObsEncoder: Sendable {
    public var mlApp: String
    public var resource: ExportResource
    public var extraTags: [String]

    public init(mlApp: String, resource: ExportResource, extraTags: [String] = []) {
        self.mlApp = mlApp
        self.resource = resource
        self.extraTags = extraTags
    }

    /// Tags on every request.
    public var tags: [String] {
        var tags = ["service:\(resource.serviceName)", "version:\(resource.serviceVersion)", "source:kagami"]
        if let env = resource.environment { tags.append("env:\(env)") }
        tags.append("host:\(resource.hostName)")
        return tags + extraTags
    }

    /// The span request body for `traces`.
    public func spansBody(_ traces: [ChatTrace]) -> String {
        let sessions = Set(traces.map { $0.summary.sessionID })
        var attributes: [(String, JSONValue)] = [("ml_app", .string(mlApp))]
        if sessions.count == 1, let session = sessions.first ?? nil {
            attributes.append(("session_id", .string(session)))
        }
        attributes.append(("tags", .raw(jsonList(tags))))
        let encoded = traces.flatMap { self.spans(of: $0) }
        attributes.append(("spans", .raw("[" + encoded.joined(separator: ",") + "]")))
        return JSONText.object([
            (
                "data",
                .raw(JSONText.object([("type", .string("span")), ("attributes", .raw(JSONText.object(attributes)))]))
            )
        ])
    }

    /// The evaluation request body for `traces`, or `nil` when they carry no evaluations.
    public func evaluationsBody(_ traces: [ChatTrace]) -> String? {
        var metrics: [String] = []
        for trace in traces {
            guard let llm = trace.spans.first(where: { $0.attributes["kagami.span.kind"] == .string("llm") }) else {
                continue
            }
            for evaluation in trace.evaluations {
                let joinOn = JSONText.object([
                    (
                        "span",
                        .raw(
                            JSONText.object([
                                ("span_id", .string(decimalID(llm.spanID))),
                                ("trace_id", .string(llm.traceID.lowercased())),
                            ]))
                    )
                ])
                metrics.append(
                    JSONText.object([
                        ("join_on", .raw(joinOn)), ("ml_app", .string(mlApp)),
                        ("timestamp_ms", .int(Int(llm.endNs / 1_000_000))), ("metric_type", .string("categorical")),
                        ("label", .string(evaluation.name)), ("categorical_value", .string(evaluation.label)),
                        (
                            "tags",
                            .raw(
                                jsonList(
                                    tags + ["evaluator:kagami", "score:\(formatFixed(evaluation.score, digits: 3))"]))
                        ),
                    ]))
            }
        }
        guard !metrics.isEmpty else { return nil }
        let attributes = JSONText.object([("metrics", .raw("[" + metrics.joined(separator: ",") + "]"))])
        return JSONText.object([
            ("data", .raw(JSONText.object([("type", .string("evaluation_metric")), ("attributes", .raw(attributes))])))
        ])
    }

    /// One chat's spans as LLM Observability span objects.
    func spans(of trace: ChatTrace) -> [String] {
        let summary = trace.summary
        let workflow = trace.spans.first { $0.attributes["kagami.span.kind"] == .string("workflow") }
        let server = trace.spans.first { $0.kind == .server }
        // The workflow is the root; a rejected request has only its server span, which then plays the root.
        guard let root = workflow ?? server ?? trace.spans.first else { return [] }
        var out: [String] = []
        for span in trace.spans where span.spanID != server?.spanID || root.spanID == server?.spanID {
            let isRoot = span.spanID == root.spanID
            let isLLM = span.attributes["kagami.span.kind"] == .string("llm")
            let kind = isRoot ? "workflow" : isLLM ? "llm" : "task"
            var meta: [(String, JSONValue)] = [("kind", .string(kind))]
            if isLLM {
                meta.append(("model_name", .string(summary.model)))
                meta.append(("model_provider", .string(summary.provider)))
                if let input = summary.inputMasked {
                    meta.append(("input", .raw(#"{"messages":[{"role":"user","content":\#(JSONText.quote(input))}]}"#)))
                }
                if let output = summary.outputMasked {
                    meta.append(
                        ("output", .raw(#"{"messages":[{"role":"assistant","content":\#(JSONText.quote(output))}]}"#)))
                }
            } else if isRoot {
                if let input = summary.inputMasked {
                    meta.append(("input", .raw(#"{"value":\#(JSONText.quote(input))}"#)))
                }
                if let output = summary.outputMasked {
                    meta.append(("output", .raw(#"{"value":\#(JSONText.quote(output))}"#)))
                }
            }
            meta.append(("metadata", .raw(metadata(span, summary: summary, isRoot: isRoot))))
            let error = span.errorType ?? (isRoot ? summary.errorCode : nil)
            if let error {
                let message = isRoot || isLLM ? (summary.errorMessage ?? error) : error
                meta.append(
                    ("error", .raw(JSONText.object([("type", .string(error)), ("message", .string(message))]))))
            }
            var metrics: [(String, JSONValue)] = []
            if isLLM {
                let input = summary.inputTokens
                let output = summary.outputTokens
                metrics.append(("input_tokens", .int(input)))
                metrics.append(("output_tokens", .int(output)))
                if input != nil || output != nil {
                    metrics.append(("total_tokens", .int((input ?? 0) + (output ?? 0))))
                }
                if let ttft = summary.ttftMs {
                    metrics.append(("time_to_first_token", .double(ttft / 1000, digits: 6)))
                }
            }
            var spanTags = ["route:\(summary.route)", "status:\(summary.status)"]
            if let model = summary.model { spanTags.append("model:\(model)") }
            var fields: [(String, JSONValue)] = [
                ("trace_id", .string(span.traceID.lowercased())), ("span_id", .string(decimalID(span.spanID))),
                (
                    "parent_id",
                    .string(isRoot ? "undefined" : decimalID(parentInTree(span, root: root, server: server)))
                ),
                ("name", .string(span.name)), ("start_ns", .raw(String(span.startNs))),
                ("duration", .raw(String(span.durationNs))), ("status", .string(error == nil ? "ok" : "error")),
                ("ml_app", .string(mlApp)),
            ]
            if let session = summary.sessionID { fields.append(("session_id", .string(session))) }
            fields.append(("tags", .raw(jsonList(spanTags))))
            fields.append(("meta", .raw(JSONText.object(meta))))
            fields.append(("metrics", .raw(JSONText.object(metrics))))
            // Joins the LLM Observability trace with APM when the same trace is also sent over OTLP.
            fields.append(("_dd", .raw(JSONText.object([("apm_trace_id", .string(span.traceID.lowercased()))]))))
            out.append(JSONText.object(fields))
        }
        return out
    }

    /// A span's parent, with the server span (left out) replaced by the root.
    private func parentInTree(_ span: Span, root: Span, server: Span?) -> String {
        guard let parent = span.parentSpanID, parent != server?.spanID else { return root.spanID }
        return parent
    }

    private func metadata(_ span: Span, summary: ChatSummary, isRoot: Bool) -> String {
        var fields: [(String, JSONValue)] = []
        if isRoot {
            fields += [
                ("route", .string(summary.route)), ("http_status", .int(summary.status)),
                ("request_id", .string(summary.requestID)), ("streamed", .bool(summary.streamed)),
            ]
        }
        if case .int(let max)? = span.attributes["gen_ai.request.max_tokens"] {
            fields.append(("max_tokens", .int(max)))
        }
        if case .double(let t)? = span.attributes["gen_ai.request.temperature"] {
            fields.append(("temperature", .double(t, digits: 3)))
        }
        if case .strings(let reasons)? = span.attributes["gen_ai.response.finish_reasons"], let reason = reasons.first {
            fields.append(("finish_reason", .string(reason)))
        }
        if case .bool(let cold)? = span.attributes["kagami.cold_start"] { fields.append(("cold_start", .bool(cold))) }
        if case .double(let ms)? = span.attributes["kagami.duration_ms"] {
            fields.append(("duration_ms", .double(ms, digits: 3)))
        }
        if span.attributes["kagami.span.kind"] == .string("llm"), let cost = summary.cost {
            fields.append(("cost", .double(cost, digits: 8)))
        }
        return JSONText.object(fields)
    }
}

/// Our 16-hex-digit span id as the decimal string Datadog uses.
func decimalID(_ hex: String) -> String {
    String(UInt64(hex.suffix(16), radix: 16) ?? 0)
}

func jsonList(_ items: [String]) -> String { "[" + items.map { JSONText.quote($0) }.joined(separator: ",") + "]" }
