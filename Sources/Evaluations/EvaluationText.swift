import Privacy

/// The bounded, folded view of a text that evaluators read: at most 16 KiB of UTF-8, as scalar values with
/// full-width forms folded to ASCII and ASCII lower-cased.
///
/// Capping here is what makes a 1 MB prompt cost the same as a 16 KiB one for every evaluator.
struct EvaluationText {
    /// The most UTF-8 bytes of one side an evaluator reads.
    static let byteLimit = 16_384

    /// Folded, lower-cased scalar values of the capped text.
    let values: [UInt32]
    /// Whether the text was longer than the cap.
    let truncated: Bool

    init(_ text: String, byteLimit: Int = EvaluationText.byteLimit) {
        let capped = Self.capped(text, byteLimit: byteLimit)
        var values: [UInt32] = []
        values.reserveCapacity(capped.utf8.count)
        for scalar in capped.unicodeScalars { values.append(CharacterFolding.foldLowercased(scalar.value)) }
        self.values = values
        truncated = capped.utf8.count < text.utf8.count
    }

    /// The longest prefix of `text` within `byteLimit` UTF-8 bytes that ends on a scalar boundary; O(1) for
    /// native strings, so capping a 1 MB text costs nothing.
    static func capped(_ text: String, byteLimit: Int = EvaluationText.byteLimit) -> Substring {
        let utf8 = text.utf8
        guard utf8.count > byteLimit else { return text[...] }
        var end = utf8.index(utf8.startIndex, offsetBy: byteLimit)
        // Step back off continuation bytes (10xxxxxx) to the start of a scalar.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return Substring(text.unicodeScalars[..<end])
    }
}
