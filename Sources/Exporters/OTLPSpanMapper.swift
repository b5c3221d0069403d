import Storage
import Telemetry

/// Prepares a chat's spans for OTLP: GenAI attributes as recorded, plus OpenInference attributes when asked
/// (`openinference.span.kind`, `llm.model_name`, `llm.token_count.*`, masked `input.value`/`output.value`,
/// `session.id`), so Phoenix and Arize show the LLM span with its tokens and text natively.
public struct OTLPSpanMapper: Sendable {
    /// Add OpenInference attributes.
    public var openinference: Bool

    public init(openinference: Bool) { self.openinference = openinference }

    /// The spans of `trace`, ready to encode.
    public func spans(of trace: ChatTrace) -> [Span] {
        guard openinference else { return trace.spans }
        let summary = trace.summary
        return trace.spans.map { span in
            var span = span
            let isLLM = span.attributes["kagami.span.kind"] == .string("llm")
            span.attributes["openinference.span.kind"] = .string(isLLM ? "LLM" : "CHAIN")
            if let session = summary.sessionID { span.attributes["session.id"] = .string(session) }
            let isTop = span.parentSpanID == nil || span.attributes["kagami.span.kind"] == .string("workflow")
            if isLLM || isTop {
                if let input = summary.inputMasked {
                    span.attributes["input.value"] = .string(input)
                    span.attributes["input.mime_type"] = .string("text/plain")
                }
                if let output = summary.outputMasked {
                    span.attributes["output.value"] = .string(output)
                    span.attributes["output.mime_type"] = .string("text/plain")
                }
            }
            if isLLM {
                if let model = summary.model { span.attributes["llm.model_name"] = .string(model) }
                if let provider = summary.provider { span.attributes["llm.provider"] = .string(provider) }
                let input = summary.inputTokens
                let output = summary.outputTokens
                if let input { span.attributes["llm.token_count.prompt"] = .int(input) }
                if let output { span.attributes["llm.token_count.completion"] = .int(output) }
                if input != nil || output != nil {
                    span.attributes["llm.token_count.total"] = .int((input ?? 0) + (output ?? 0))
                }
                if let input = summary.inputMasked {
                    span.attributes["llm.input_messages.0.message.role"] = .string("user")
                    span.attributes["llm.input_messages.0.message.content"] = .string(input)
                }
                if let output = summary.outputMasked {
                    span.attributes["llm.output_messages.0.message.role"] = .string("assistant")
                    span.attributes["llm.output_messages.0.message.content"] = .string(output)
                }
            }
            return span
        }
    }
}
