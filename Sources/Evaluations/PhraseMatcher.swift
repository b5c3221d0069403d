import Privacy

/// Finds phrase rules in text without regular expressions: each rule is an ordered list of term groups
/// ("ignore|disregard > previous|prior|above > instructions|rules"); a rule matches when a term of every group
/// occurs in order, each within `maxGap` units (words, or characters for Japanese) after the previous one.
///
/// One linear pass per text: a 4096-bit filter on the first unit of every rule's first terms skips almost every
/// position, and the gap bound keeps the work per position constant.
struct PhraseMatcher: Sendable {
    /// How a text is cut into units before matching.
    enum Unit: Sendable {
        /// ASCII words (letters and digits; apostrophes dropped, so "can't" = "cant"); anything else separates.
        case word
        /// Single scalars: for Japanese, which has no spaces.
        case character
    }

    /// One phrase pattern with its weight.
    struct Rule: Sendable {
        /// Term groups in order; each term is a sequence of units.
        let groups: [[[UInt64]]]
        /// Units allowed between consecutive groups.
        let maxGap: Int
        /// Contribution to the score when the rule matches (combined as 1 − Π(1 − w)).
        let weight: Double
        /// A short value-free name for reasons, e.g. "instruction override".
        let signal: String
        /// Terms that cancel the match inside a gap ("not" in "you are not stupid") or, for character rules,
        /// right after it (バカ"ではありません").
        let cancels: [[UInt64]]
        /// Whether `cancels` are also looked for right after the match (Japanese negates at the end).
        let cancelsAfter: Bool
    }

    let unit: Unit
    let rules: [Rule]
    private let filter: [UInt64]

    /// A matcher over `rules`, written as `(pattern, maxGap, weight, signal, cancels)`; in patterns, groups are
    /// separated by " > " and alternatives by "|".
    init(unit: Unit, _ specs: [(String, Int, Double, String, String)]) {
        self.unit = unit
        let rules = specs.map { spec in
            Rule(
                groups: spec.0.split(separator: " > ").map { group in
                    group.split(separator: "|").map { Self.units(of: String($0), unit: unit) }
                },
                maxGap: spec.1, weight: spec.2, signal: spec.3,
                cancels: spec.4.isEmpty
                    ? [] : spec.4.split(separator: "|").map { Self.units(of: String($0), unit: unit) },
                cancelsAfter: unit == .character)
        }
        var filter = [UInt64](repeating: 0, count: 64)
        for rule in rules {
            for term in rule.groups[0] {
                let bit = Int(term[0] & 4095)
                filter[bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        self.rules = rules
        self.filter = filter
    }

    /// The units of folded text `values`, ready for `matches(in:)`.
    func units(of values: [UInt32]) -> [UInt64] {
        switch unit {
        case .character: return values.map { UInt64($0) }
        case .word: return Self.words(of: values)
        }
    }

    /// The rules that match in folded text `values`, each at most once, in rule order.
    func matches(folded values: [UInt32]) -> [Rule] {
        matches(in: units(of: values))
    }

    /// The rules that match in `units`, each at most once, in rule order.
    func matches(in units: [UInt64]) -> [Rule] {
        var matched = [Bool](repeating: false, count: rules.count)
        var remaining = rules.count
        units.withUnsafeBufferPointer { text in
            for position in 0..<text.count {
                let bit = Int(text[position] & 4095)
                guard filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { continue }
                for (index, rule) in rules.enumerated() where !matched[index] {
                    if Self.match(rule, group: 0, at: position, in: text) {
                        matched[index] = true
                        remaining -= 1
                    }
                }
                if remaining == 0 { break }
            }
        }
        return zip(rules, matched).compactMap { $1 ? $0 : nil }
    }

    /// The combined score of `rules`: 1 − Π(1 − weight).
    static func score(_ rules: [Rule]) -> Double {
        1 - rules.reduce(1.0) { $0 * (1 - $1.weight) }
    }

    private static func match(
        _ rule: Rule, group: Int, at position: Int, in text: UnsafeBufferPointer<UInt64>
    )
        -> Bool
    {
        for term in rule.groups[group] where starts(term, at: position, in: text) {
            let end = position + term.count
            if group + 1 == rule.groups.count {
                if !rule.cancelsAfter || !cancelled(rule, from: end, to: min(text.count, end + 4), in: text) {
                    return true
                }
                continue
            }
            var next = end
            while next <= min(text.count - 1, end + rule.maxGap) {
                if match(rule, group: group + 1, at: next, in: text) { return true }
                if cancelled(rule, from: next, to: next + 1, in: text) { break }
                next += 1
            }
        }
        return false
    }

    private static func cancelled(
        _ rule: Rule, from lower: Int, to upper: Int, in text: UnsafeBufferPointer<UInt64>
    )
        -> Bool
    {
        guard !rule.cancels.isEmpty, lower < upper else { return false }
        for position in lower..<upper {
            for cancel in rule.cancels where starts(cancel, at: position, in: text) { return true }
        }
        return false
    }

    @inline(__always)
    private static func starts(_ term: [UInt64], at position: Int, in text: UnsafeBufferPointer<UInt64>) -> Bool {
        guard position + term.count <= text.count else { return false }
        for (offset, unit) in term.enumerated() where text[position + offset] != unit { return false }
        return true
    }

    /// Units of a pattern term, cut the same way as text.
    static func units(of term: String, unit: Unit) -> [UInt64] {
        let values = term.unicodeScalars.map { CharacterFolding.foldLowercased($0.value) }
        switch unit {
        case .character: return values.map { UInt64($0) }
        case .word: return words(of: values)
        }
    }

    /// FNV-1a hashes of the ASCII words in `values`.
    static func words(of values: [UInt32]) -> [UInt64] {
        var words: [UInt64] = []
        words.reserveCapacity(values.count / 4)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var inWord = false
        for value in values {
            if CharacterFolding.isAlphanumeric(value) {
                hash = (hash ^ UInt64(value)) &* 0x100_0000_01b3
                inWord = true
            } else if value == 0x27 || value == 0x2019 {
                continue  // apostrophes vanish: "can't" and "cant" are one word
            } else if inWord {
                words.append(hash)
                hash = 0xcbf2_9ce4_8422_2325
                inWord = false
            }
        }
        if inWord { words.append(hash) }
        return words
    }
}
