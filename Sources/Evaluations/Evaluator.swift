/// Something that judges one chat exchange locally, on the raw text, in bounded time.
///
/// Implementations read at most `EvaluationText.byteLimit` (16 KiB) of each side, so the cost per request
/// does not grow with the size of the prompt.
public protocol Evaluator: Sendable {
    /// The name results carry, e.g. `failure_to_answer`.
    var name: String { get }
    /// The evaluator's verdict on `input`.
    func evaluate(_ input: EvaluationInput) -> EvaluationResult
}
