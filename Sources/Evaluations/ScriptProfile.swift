/// Which writing system dominates a text: the language signal of `LanguageMismatchEvaluator`, also used by
/// `TopicRelevanceEvaluator` to avoid comparing texts in different languages.
///
/// Counting scripts needs no tokenizer or model: kana means Japanese; Han without kana means Chinese; Latin
/// letters are reported as English (the evaluator cannot tell English from French). Fenced and inline code is
/// skipped, since a Japanese answer full of code is still a Japanese answer.
struct ScriptProfile: Equatable {
    /// A dominant language, by script.
    enum Language: String {
        case japanese = "ja"
        case english = "en"
        case chinese = "zh"
        case korean = "ko"
        case russian = "ru"
        case other
        case unknown
    }

    private(set) var kana = 0
    private(set) var han = 0
    private(set) var latin = 0
    private(set) var hangul = 0
    private(set) var cyrillic = 0
    private(set) var otherLetters = 0

    init(_ values: [UInt32]) {
        var inFence = false
        var inInline = false
        var i = 0
        let n = values.count
        while i < n {
            let c = values[i]
            if c == 0x60 {  // `
                if i + 2 < n, values[i + 1] == 0x60, values[i + 2] == 0x60 {
                    inFence.toggle()
                    i += 3
                    continue
                }
                if !inFence { inInline.toggle() }
                i += 1
                continue
            }
            if c == 0x0A { inInline = false }
            i += 1
            if inFence || inInline { continue }
            switch c {
            case 0x61...0x7A, 0xC0...0x24F: latin += 1
            case 0x3041...0x309F, 0x30A1...0x30FA, 0x30FD...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9D: kana += 1
            case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0xF900...0xFAFF: han += 1
            case 0xAC00...0xD7AF, 0x1100...0x11FF, 0x3130...0x318F: hangul += 1
            case 0x0400...0x04FF: cyrillic += 1
            case 0x0370...0x03FF, 0x0590...0x06FF, 0x0900...0x0DFF, 0x0E00...0x0EFF: otherLetters += 1
            default: break
            }
        }
    }

    /// The dominant language, or `.unknown` when the text is too short (under 12 weighted letters: a CJK
    /// character weighs 3, a Latin letter 1) or mixed (no script has 60% of the weight).
    var language: Language { language(favoringKana: false) }

    /// `language`, except that with `favoringKana` a text whose grammar is Japanese (5+ kana, 30%+ of the
    /// weight) is Japanese even when quoted English dominates: "このエラーの意味を教えて：TypeError: …" is a
    /// Japanese question. Used for prompts, where the user's own language is what matters.
    func language(favoringKana: Bool) -> Language {
        if favoringKana, kana >= 5 {
            let japanese = (kana + han) * 3
            let total = japanese + latin + hangul * 2 + cyrillic + otherLetters
            if japanese * 10 >= total * 3 { return .japanese }
        }
        let japanese = kana > 0 ? (kana + han) * 3 : 0
        // Han alone: Chinese only when there is enough of it; a short kanji-only string may be Japanese.
        let chinese = kana == 0 && han >= 8 ? han * 3 : 0
        let ambiguousHan = kana == 0 && han < 8 ? han * 3 : 0
        let weights: [(Language, Int)] = [
            (.japanese, japanese), (.chinese, chinese), (.english, latin), (.korean, hangul * 2),
            (.russian, cyrillic), (.other, otherLetters),
        ]
        let total = weights.reduce(ambiguousHan) { $0 + $1.1 }
        guard total >= 12, let top = weights.max(by: { $0.1 < $1.1 }), top.1 * 10 >= total * 6 else {
            return .unknown
        }
        return top.0
    }
}
