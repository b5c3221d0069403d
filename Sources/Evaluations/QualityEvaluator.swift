/// `quality`: the failure shapes of small local models — empty replies, repetition loops, and replies cut off
/// by the token limit.
///
/// Method: empty = no letters or digits. Repetitive = either (a) the share of distinct 10-character shingles
/// (whitespace collapsed, case folded) is under 50% over at least 50 shingles — a loop makes most shingles
/// repeats — or (b) a unit of 1–32 characters repeats back to back over 40+ characters that are not just
/// punctuation ("ははははは…", "the the the …"). Truncated = `doneReason == "length"` or `completionTokens ≥
/// maxTokens`. Precedence: empty, repetitive (a loop usually also hits the limit, and the loop is the cause),
/// truncated, ok.
///
/// Labels: `ok`, `repetitive`, `truncated`, `empty`. Score: 1 = ok, 0.5 = truncated, ≤ 0.4 = repetitive (lower
/// = more repeated), 0 = empty.
///
/// Known limits: legitimately repetitive output (long tables, generated lists, code with boilerplate) can look
/// like a loop; a loop with a period over 32 characters that covers under half the reply passes; truncation
/// is only known when the backend reports it.
public struct QualityEvaluator: Evaluator {
    /// The result name, `quality`.
    public let name = "quality"

    /// An evaluator; it holds no state.
    public init() {}

    /// The verdict on `input`; the type's documentation lists the labels and the score's direction.
    public func evaluate(_ input: EvaluationInput) -> EvaluationResult {
        let values = EvaluationText(input.reply).values
        guard values.contains(where: FailureToAnswerEvaluator.isContent) else {
            return EvaluationResult(name: name, label: "empty", score: 0, reason: "no letters or digits in the reply")
        }
        let collapsed = Self.collapsed(values)
        let distinct = Self.distinctShingleRatio(collapsed)
        if let distinct, distinct < 0.5 {
            let percent = Int((distinct * 100).rounded())
            return EvaluationResult(
                name: name, label: "repetitive", score: min(0.4, distinct),
                reason: "only \(percent)% of 10-character shingles are distinct" + truncationNote(input))
        }
        if let period = Self.tandemRepeat(collapsed) {
            return EvaluationResult(
                name: name, label: "repetitive", score: 0.3,
                reason: "a \(period)-character unit repeats back to back" + truncationNote(input))
        }
        if let truncation = Self.truncation(input) {
            return EvaluationResult(name: name, label: "truncated", score: 0.5, reason: truncation)
        }
        return EvaluationResult(name: name, label: "ok", score: 1, reason: "no repetition or truncation")
    }

    private func truncationNote(_ input: EvaluationInput) -> String {
        Self.truncation(input) == nil ? "" : "; also truncated"
    }

    private static func truncation(_ input: EvaluationInput) -> String? {
        if input.doneReason == "length" { return "stopped at the token limit (done reason length)" }
        if let max = input.maxTokens, let used = input.completionTokens, max > 0, used >= max {
            return "used \(used) of \(max) tokens"
        }
        return nil
    }

    /// Whitespace runs collapsed to one space, so reflowed repeats still line up.
    private static func collapsed(_ values: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(values.count)
        for value in values {
            let isSpace = value == 0x20 || value == 0x0A || value == 0x0D || value == 0x09
            if isSpace {
                if out.last != 0x20 { out.append(0x20) }
            } else {
                out.append(value)
            }
        }
        return out
    }

    /// Distinct / total 10-character shingles, or nil when there are fewer than 50.
    private static func distinctShingleRatio(_ values: [UInt32]) -> Double? {
        let width = 10
        guard values.count - width + 1 >= 50 else { return nil }
        var hashes: [UInt64] = []
        hashes.reserveCapacity(values.count - width + 1)
        // A polynomial rolling hash: one multiply per character instead of hashing each shingle afresh.
        let base: UInt64 = 0x100_0000_01b3
        var power: UInt64 = 1
        for _ in 0..<(width - 1) { power &*= base }
        var hash: UInt64 = 0
        for (i, value) in values.enumerated() {
            if i >= width { hash &-= UInt64(values[i - width]) &* power }
            hash = hash &* base &+ UInt64(value)
            if i >= width - 1 { hashes.append(hash) }
        }
        hashes.sort()
        var distinct = 1
        for i in 1..<hashes.count where hashes[i] != hashes[i - 1] { distinct += 1 }
        return Double(distinct) / Double(hashes.count)
    }

    /// The period (1–32) of a back-to-back repeat spanning 40+ characters with letters or digits in it.
    private static func tandemRepeat(_ values: [UInt32]) -> Int? {
        let n = values.count
        guard n >= 40 else { return nil }
        for period in 1...32 where period < n {
            var run = 0
            var contentInRun = 0
            for i in period..<n {
                if values[i] == values[i - period] {
                    run += 1
                    if FailureToAnswerEvaluator.isContent(values[i]) { contentInRun += 1 }
                    // The unit appears at least five times and the span is mostly text, not a rule like "-----".
                    if run + period >= 40, run >= period * 4, contentInRun * 2 >= run { return period }
                } else {
                    run = 0
                    contentInRun = 0
                }
            }
        }
        return nil
    }
}
