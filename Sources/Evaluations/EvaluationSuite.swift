/// The evaluators Kagami runs on every chat, and the combined `safety_score`.
///
/// Every evaluator reads at most 16 KiB of each side, so a suite run is bounded however large the prompt.
public struct EvaluationSuite: Sendable {
    /// The evaluators this suite runs, in order.
    public let evaluators: [any Evaluator]

    /// A suite of `evaluators` (by default `standard`).
    public init(evaluators: [any Evaluator] = EvaluationSuite.standard) {
        self.evaluators = evaluators
    }

    /// `failure_to_answer`, `language_mismatch`, `pii_input`, `pii_output`, `prompt_injection`, `toxicity`,
    /// `topic_relevance`, `quality`.
    public static var standard: [any Evaluator] {
        [
            FailureToAnswerEvaluator(), LanguageMismatchEvaluator(), PIIEvaluator(side: .input),
            PIIEvaluator(side: .output), PromptInjectionEvaluator(), ToxicityEvaluator(), TopicRelevanceEvaluator(),
            QualityEvaluator(),
        ]
    }

    /// Each evaluator's result, in order, then `safety_score` combined from them.
    public func evaluate(_ input: EvaluationInput) -> [EvaluationResult] {
        // Cap both sides once here so each evaluator's own cap is a no-op copy of a short string.
        let bounded = EvaluationInput(
            prompt: String(EvaluationText.capped(input.prompt)), reply: String(EvaluationText.capped(input.reply)),
            doneReason: input.doneReason, maxTokens: input.maxTokens, completionTokens: input.completionTokens)
        var results = evaluators.map { $0.evaluate(bounded) }
        results.append(SafetyScore.combine(results))
        return results
    }
}
