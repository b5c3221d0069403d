import Privacy

/// `topic_relevance`: is the reply about what the prompt asked?
///
/// Method: cosine similarity of feature counts, no tokenizer. English: each word of 3+ letters that is not a
/// stop word (weighted twice) and its character trigrams (padded, so "sort" gives ^so, sor, ort, rt$:
/// inflections still overlap).
/// Japanese: each kanji, plus bigrams within runs of kanji and katakana (content words live there; hiragana is
/// mostly grammar and is skipped). Features are hashed, sorted and merged, so the cost is O(n log n) on at most
/// 16 KiB per side.
///
/// Labels: `relevant` (similarity ≥ 0.08), `off_topic`, `unknown` (a side has fewer than two content units —
/// content words, or pairs of kanji/katakana — e.g. "hi" or "Paris.", or the two sides are in different
/// languages). Score: the similarity, 0…1.
///
/// Known limits: lexical, not semantic: a correct answer that shares no words with the question ("What's the
/// capital of France?" → "Paris.") is `unknown` or `off_topic`; a reply that repeats the question's words
/// without answering is `relevant`.
public struct TopicRelevanceEvaluator: Evaluator {
    /// The result name, `topic_relevance`.
    public let name = "topic_relevance"

    /// Similarity at or above which a reply is `relevant`, tuned on the labeled set.
    static let threshold = 0.08

    private static let stopWords: Set<UInt64> = Set(
        PhraseMatcher.words(
            of: Array(
                """
                the and for are but not you all any can had her was one our out has have this that with from they will
                would there their what about which when make like time just know take into year your some could them
                than then now look only come its over think also back after use two how work first well way even new
                want because these give most is please tell explain does did doing done get got here more very much
                should shall may might must who whom whose why where being been were yes thanks thank hello sure okay
                let lets via each other such both few many same own too thing things write show need help
                """.unicodeScalars.map(\.value))))

    /// An evaluator; it holds no state.
    public init() {}

    /// The verdict on `input`; the type's documentation lists the labels and the score's direction.
    public func evaluate(_ input: EvaluationInput) -> EvaluationResult {
        let prompt = EvaluationText(input.prompt).values
        let reply = EvaluationText(input.reply).values
        let (promptFeatures, promptUnits) = Self.features(prompt)
        let (replyFeatures, replyUnits) = Self.features(reply)
        guard promptUnits >= 2, replyUnits >= 2 else {
            return EvaluationResult(
                name: name, label: "unknown", score: 0,
                reason: promptUnits < 2 ? "prompt too short to compare" : "reply too short to compare")
        }
        let promptLanguage = ScriptProfile(prompt).language
        let replyLanguage = ScriptProfile(reply).language
        if promptLanguage != replyLanguage, promptLanguage != .unknown, replyLanguage != .unknown {
            return EvaluationResult(name: name, label: "unknown", score: 0, reason: "different languages")
        }
        let similarity = Self.cosine(promptFeatures, replyFeatures)
        let percent = Int((similarity * 100).rounded())
        return similarity >= Self.threshold
            ? EvaluationResult(name: name, label: "relevant", score: similarity, reason: "similarity \(percent)%")
            : EvaluationResult(
                name: name, label: "off_topic", score: similarity, reason: "similarity \(percent)%, below threshold")
    }

    /// Sorted feature hashes of folded text, and how many content units (English content words, or pairs of
    /// kanji/katakana characters) it has.
    static func features(_ values: [UInt32]) -> (features: [UInt64], contentUnits: Int) {
        var contentWords = 0
        var cjkCharacters = 0
        var features: [UInt64] = []
        features.reserveCapacity(values.count * 2)
        var word: [UInt32] = []
        var previousCJK: UInt32 = 0

        func flushWord() {
            defer { word.removeAll(keepingCapacity: true) }
            guard word.count >= 3, word.contains(where: CharacterFolding.isLetter) else { return }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for value in word { hash = (hash ^ UInt64(value)) &* 0x100_0000_01b3 }
            if stopWords.contains(hash) { return }
            contentWords += 1
            // The whole word counts too (twice): a shared word is stronger evidence than shared trigrams, which
            // unrelated English texts always have some of.
            features.append(1 << 61 | hash >> 3)
            features.append(1 << 61 | hash >> 3)
            let padded = [0x5E] + word + [0x24]
            for i in 0..<(padded.count - 2) {
                features.append(
                    1 << 63 | UInt64(padded[i]) << 42 | UInt64(padded[i + 1]) << 21 | UInt64(padded[i + 2]))
            }
        }

        for value in values {
            if CharacterFolding.isAlphanumeric(value) {
                word.append(value)
                previousCJK = 0
                continue
            }
            if !word.isEmpty { flushWord() }
            let isHan = (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value)
            let isKatakana = (0x30A1...0x30FA).contains(value) || value == 0x30FC
            if isHan || isKatakana {
                cjkCharacters += 1
                if isHan { features.append(UInt64(value)) }
                if previousCJK != 0 { features.append(1 << 62 | UInt64(previousCJK) << 21 | UInt64(value)) }
                previousCJK = value
            } else {
                previousCJK = 0
            }
        }
        flushWord()
        features.sort()
        return (features, contentWords + cjkCharacters / 2)
    }

    /// Cosine similarity of two sorted feature lists, counting repeats.
    static func cosine(_ a: [UInt64], _ b: [UInt64]) -> Double {
        func counts(_ features: [UInt64]) -> [(UInt64, Double)] {
            var out: [(UInt64, Double)] = []
            for feature in features {
                if let last = out.last, last.0 == feature {
                    out[out.count - 1].1 += 1
                } else {
                    out.append((feature, 1))
                }
            }
            return out
        }
        let x = counts(a)
        let y = counts(b)
        var dot = 0.0
        var i = 0
        var j = 0
        while i < x.count, j < y.count {
            if x[i].0 == y[j].0 {
                dot += x[i].1 * y[j].1
                i += 1
                j += 1
            } else if x[i].0 < y[j].0 {
                i += 1
            } else {
                j += 1
            }
        }
        let normX = x.reduce(0) { $0 + $1.1 * $1.1 }
        let normY = y.reduce(0) { $0 + $1.1 * $1.1 }
        guard normX > 0, normY > 0 else { return 0 }
        return dot / (normX * normY).squareRoot()
    }
}
