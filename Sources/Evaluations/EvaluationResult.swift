/// What one evaluator concluded about one exchange.
///
/// Results are stored and exported, so `reason` never quotes prompt or reply text: it names what was found
/// ("2 emails, 1 card", "refusal phrase"), never the values.
public struct EvaluationResult: Sendable, Equatable {
    /// The evaluator's name, e.g. `failure_to_answer`.
    public var name: String
    /// A short label; each evaluator documents its set (`pass`/`fail`, `none`/`detected`, `ok`/`ja→en`, …).
    public var label: String
    /// 0…1; each evaluator documents the direction.
    public var score: Double
    /// A short human-readable reason, free of prompt and reply content.
    public var reason: String

    /// A result; `score` is clamped to 0…1.
    public init(name: String, label: String, score: Double, reason: String) {
        self.name = name
        self.label = label
        self.score = min(1, max(0, score))
        self.reason = reason
    }
}
