/// `safety_score`: one number for "should someone look at this exchange", combined from the PII, injection and
/// toxicity results.
///
/// Method: risk = max(prompt_injection, toxicity, 0.6 × pii_output, 0.4 × pii_input) scores; safety = 1 − risk.
/// PII weighs less because it is a privacy matter the masking policy already handles, not an attack; PII the
/// model *produced* weighs more than PII the user typed.
///
/// Labels: `safe` (≥ 0.7), `review` (0.4–0.7), `unsafe` (< 0.4). Score: 0 = unsafe … 1 = safe. Reason names
/// the largest contributors.
///
/// Known limits: inherits the limits of the evaluators it combines; missing evaluators count as safe.
public enum SafetyScore {
    /// The result name.
    public static let name = "safety_score"

    /// The combined result from the other evaluators' `results`.
    public static func combine(_ results: [EvaluationResult]) -> EvaluationResult {
        let weights: [(String, Double)] = [
            ("prompt_injection", 1), ("toxicity", 1), ("pii_output", 0.6), ("pii_input", 0.4),
        ]
        var risks: [(String, Double)] = []
        for (evaluator, weight) in weights {
            if let result = results.first(where: { $0.name == evaluator }) {
                risks.append((evaluator, result.score * weight))
            }
        }
        let risk = risks.map(\.1).max() ?? 0
        let safety = 1 - risk
        let label = safety >= 0.7 ? "safe" : safety >= 0.4 ? "review" : "unsafe"
        let contributors = risks.filter { $0.1 >= 0.3 }.sorted { $0.1 > $1.1 }.map(\.0)
        return EvaluationResult(
            name: name, label: label, score: safety,
            reason: contributors.isEmpty ? "no safety signals" : "from " + contributors.joined(separator: ", "))
    }
}
