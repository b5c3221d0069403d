/// Folds the look-alike forms people type in Japanese text onto their ASCII counterparts, so every scanner
/// in Privacy and Evaluations matches `０９０−１２３４` the same way as `090-1234`.
///
/// Works on raw scalar values (`UInt32`) because the scanners keep folded text in plain integer arrays:
/// no `Character` breaking and no allocation per character.
public enum CharacterFolding {
    /// The value of `scalar` with full-width ASCII (U+FF01…U+FF5E), the ideographic space, full-width yen
    /// and dash look-alikes (‐ ‑ ‒ – — ― − ﹣) folded to ASCII; case is kept.
    @inlinable
    public static func fold(_ scalar: UInt32) -> UInt32 {
        if scalar < 0x80 { return scalar }
        switch scalar {
        case 0xFF01...0xFF5E: return scalar - 0xFEE0
        case 0x3000: return 0x20
        case 0x2010...0x2015, 0x2212, 0xFE63: return 0x2D
        case 0xFFE5: return 0xA5
        default: return scalar
        }
    }

    /// `fold(_:)` followed by ASCII lower-casing, for case-insensitive phrase matching.
    @inlinable
    public static func foldLowercased(_ scalar: UInt32) -> UInt32 {
        let folded = fold(scalar)
        return folded >= 0x41 && folded <= 0x5A ? folded + 0x20 : folded
    }

    /// Whether `value` (already folded) is an ASCII digit.
    @inlinable
    public static func isDigit(_ value: UInt32) -> Bool { value &- 0x30 < 10 }

    /// Whether `value` (already folded) is an ASCII letter.
    @inlinable
    public static func isLetter(_ value: UInt32) -> Bool { (value | 0x20) &- 0x61 < 26 }

    /// Whether `value` (already folded) is an ASCII letter or digit.
    @inlinable
    public static func isAlphanumeric(_ value: UInt32) -> Bool { isDigit(value) || isLetter(value) }
}
