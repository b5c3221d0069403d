/// `language_mismatch`: is the reply in the language the user wrote (or asked for)?
///
/// Method: `ScriptProfile` on each side (kana → Japanese, Han only → Chinese, Latin → English, Hangul → Korean,
/// Cyrillic → Russian; code blocks skipped). A prompt with Japanese grammar (5+ kana) counts as Japanese even
/// when it quotes English. If the prompt asks for a language ("in English", 英語で, 日本語で)
/// that language is expected instead; a translation request without a target accepts any language.
///
/// Labels: `ok`, `unknown` (a side too short or mixed to call), or `<prompt>→<reply>` such as `ja→en`, `en→ja`,
/// `ja→zh`. Score: 1 = same language, 0.5 = unknown, 0 = mismatch.
///
/// Known limits: scripts, not languages: French and English are both "en"; Chinese and Japanese written with
/// kanji only are hard to tell apart in short texts; a text under ~12 Latin letters or ~4 CJK characters is
/// `unknown`.
public struct LanguageMismatchEvaluator: Evaluator {
    /// The result name, `language_mismatch`.
    public let name = "language_mismatch"

    private static let requestsEnglish = PhraseMatcher(
        unit: .word,
        [
            ("in|into|to > english", 0, 1, "en", ""), ("answer|reply|respond|write > english", 2, 1, "en", ""),
            ("translate|translation|translating", 0, 1, "any", ""), ("in|into|to > japanese", 0, 1, "ja", ""),
            ("in|into|to > chinese", 0, 1, "zh", ""),
        ])
    private static let requestsJapanese = PhraseMatcher(
        unit: .character,
        [
            ("英語で|英訳|英文で|英語に", 0, 1, "en", ""), ("日本語で|和訳|日本語に", 0, 1, "ja", ""),
            ("翻訳|訳して|訳を", 0, 1, "any", ""), ("中国語で|中国語に", 0, 1, "zh", ""),
        ])

    /// An evaluator; it holds no state.
    public init() {}

    /// The verdict on `input`; the type's documentation lists the labels and the score's direction.
    public func evaluate(_ input: EvaluationInput) -> EvaluationResult {
        let prompt = EvaluationText(input.prompt)
        let promptLanguage = ScriptProfile(prompt.values).language(favoringKana: true)
        let replyLanguage = ScriptProfile(EvaluationText(input.reply).values).language
        guard promptLanguage != .unknown, replyLanguage != .unknown else {
            return EvaluationResult(
                name: name, label: "unknown", score: 0.5,
                reason: promptLanguage == .unknown ? "prompt too short or mixed" : "reply too short or mixed")
        }
        let requests =
            Self.requestsEnglish.matches(folded: prompt.values)
            + Self.requestsJapanese.matches(folded: prompt.values)
        let requested = requests.map(\.signal)
        if requested.contains(replyLanguage.rawValue) || (requested.contains("any") && replyLanguage != promptLanguage)
        {
            return EvaluationResult(
                name: name, label: "ok", score: 1, reason: "reply \(replyLanguage.rawValue), as requested")
        }
        let expected =
            requested.first(where: { $0 != "any" }).flatMap { ScriptProfile.Language(rawValue: $0) } ?? promptLanguage
        if expected == replyLanguage {
            return EvaluationResult(name: name, label: "ok", score: 1, reason: "both \(replyLanguage.rawValue)")
        }
        let label = "\(expected.rawValue)→\(replyLanguage.rawValue)"
        return EvaluationResult(
            name: name, label: label, score: 0,
            reason: "expected \(expected.rawValue), reply \(replyLanguage.rawValue)")
    }
}
