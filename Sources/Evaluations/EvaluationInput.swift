/// One chat exchange as the evaluators see it: raw text, in memory, before any masking.
public struct EvaluationInput: Sendable {
    /// The last user message.
    public var prompt: String
    /// The model's reply.
    public var reply: String
    /// Why generation stopped (`stop`, `length`, …), when the backend said.
    public var doneReason: String?
    /// The token limit the request asked for, when known.
    public var maxTokens: Int?
    /// Tokens the model generated, when known.
    public var completionTokens: Int?

    /// An exchange; the optional fields feed the truncation check of `QualityEvaluator`.
    public init(
        prompt: String, reply: String, doneReason: String? = nil, maxTokens: Int? = nil, completionTokens: Int? = nil
    ) {
        self.prompt = prompt
        self.reply = reply
        self.doneReason = doneReason
        self.maxTokens = maxTokens
        self.completionTokens = completionTokens
    }
}
