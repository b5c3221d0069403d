import Privacy

/// `failure_to_answer`: did the model decline or produce nothing?
///
/// Method: phrase rules over the first 600 characters of the reply, in English (word rules: "I can't help with
/// that", "I'm unable to provide", "as an AI I cannot", "sorry, but I can't") and Japanese (character rules:
/// お答えできません, 回答いたしかねます, 申し訳ありませんが…できません, 控えさせていただきます). A reply with no
/// letters or digits (empty, whitespace, punctuation only) fails outright. Refusal phrases in a long reply (over
/// 800 characters) count for less, since that is usually a partial answer with a caveat.
///
/// Labels: `pass`, `fail`. Score: 1 = failed to answer, 0 = answered.
///
/// Known limits: a refusal phrased in other words ("That's not something I do") passes; "I don't know" and
/// わかりません alone are weak signals and fail only together with an apology; an answer that explains that
/// *the user* cannot do something ("you can't delete that file") is an answer.
public struct FailureToAnswerEvaluator: Evaluator {
    /// The result name, `failure_to_answer`.
    public let name = "failure_to_answer"

    private static let english = PhraseMatcher(
        unit: .word,
        [
            (
                "i|im|we > cant|cannot|can not|wont|will not|am unable to|unable to|am not able to|not able to|wont be able to|am not allowed to|not allowed to|must decline to|refuse to"
                    + " > help|assist|provide|answer|comply|do|fulfill|support|share|create|generate|write|discuss|give|offer|engage|respond",
                2, 0.9, "refusal phrase", ""
            ),
            ("sorry > cant|cannot|unable|not able|wont|not allowed|can not", 4, 0.85, "apology with refusal", ""),
            (
                "as an ai|as a language model|as an assistant > cannot|cant|dont|do not|unable|not able|wont", 5, 0.9,
                "refusal phrase", ""
            ),
            ("i|we > must|have to|need to > decline|refuse", 1, 0.9, "refusal phrase", ""),
            ("not something > i|we > can|am able|will", 1, 0.85, "refusal phrase", ""),
            (
                "i|we > dont know|do not know|have no idea|dont have information|dont have access|do not have access",
                1, 0.45, "no knowledge", ""
            ),
            ("sorry|apologize|apologies", 0, 0.3, "apology", ""),
        ])

    private static let japanese = PhraseMatcher(
        unit: .character,
        [
            (
                "お答えできません|お答えすることはできません|お答えすることができません|お答えできかねます|お答えしかねます|回答できません|回答することはできません|回答することができません|回答いたしかねます|回答を控え|お答えを控え|お手伝いできません|お手伝いすることはできません|お手伝いできかねます|お応えできません|お応えすることはできません|応じることはできません|応じられません|いたしかねます|致しかねます|できかねます|控えさせていただきます|お断りします|お断りいたします",
                0, 0.9, "refusal phrase", ""
            ),
            ("対応できません|提供できません|協力できません|お伝えできません|サポートできません", 0, 0.35, "weak refusal phrase", ""),
            (
                "申し訳ありません|申し訳ございません|すみません|ごめんなさい > できません|できかねます|いたしかねます|しかねます|受けできません", 40, 0.6, "apology with refusal",
                ""
            ),
            ("わかりません|分かりません|存じません|知りません|わからない", 0, 0.45, "no knowledge", ""),
            ("申し訳|すみません|ごめんなさい", 0, 0.3, "apology", ""),
        ])

    /// An evaluator; it holds no state.
    public init() {}

    /// The verdict on `input`; the type's documentation lists the labels and the score's direction.
    public func evaluate(_ input: EvaluationInput) -> EvaluationResult {
        let text = EvaluationText(input.reply)
        let content = text.values.reduce(0) { $0 + (Self.isContent($1) ? 1 : 0) }
        guard content > 0 else {
            return EvaluationResult(
                name: name, label: "fail", score: 1,
                reason: text.values.isEmpty ? "empty reply" : "reply has no letters or digits")
        }
        let head = Array(text.values.prefix(600))
        let rules = Self.english.matches(folded: head) + Self.japanese.matches(folded: head)
        var score = PhraseMatcher.score(rules)
        if content > 800 { score *= 0.5 }
        let failed = score >= 0.5
        let signals = Array(Set(rules.map(\.signal))).sorted()
        let reason =
            failed
            ? signals.joined(separator: ", ") + (content > 800 ? " in a long reply" : "")
            : (signals.isEmpty ? "answered" : "answered (weak signals: \(signals.joined(separator: ", ")))")
        return EvaluationResult(name: name, label: failed ? "fail" : "pass", score: score, reason: reason)
    }

    /// Letters and digits of any script: what makes a reply more than punctuation.
    static func isContent(_ value: UInt32) -> Bool {
        if value < 0x80 { return CharacterFolding.isAlphanumeric(value) }
        guard let scalar = Unicode.Scalar(value) else { return false }
        if (0x3000...0x303F).contains(value) || (0xFF00...0xFF0F).contains(value) { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }
}
