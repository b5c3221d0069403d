/// The part of a text that the PII scanners read: at most `byteLimit` UTF-8 bytes, as folded scalar values
/// with the UTF-8 offset of each, so a match found on the folded values maps back to the original text.
///
/// The folded array is what makes one scanner handle `090-1234-5678`, `０９０−１２３４−５６７８` and
/// `090ー1234ー5678` alike; the offsets keep the replacement exact in the unfolded original.
struct ScannedText {
    /// How much of a text is scanned: 64 KiB bounds time and memory per request whatever the input size.
    static let byteLimit = 65_536

    /// Folded scalar values; a katakana prolonged sound mark between two digits also folds to `-`, as people
    /// type it in phone numbers (`090ー1234ー5678`), while `マイナンバー123…` keeps it as a letter.
    private(set) var values: [UInt32] = []
    /// `offsets[i]` is the UTF-8 offset of scalar `i`; one extra entry holds the end offset.
    private(set) var offsets: [Int] = []
    /// UTF-8 bytes beyond the scanned part (0 when the whole text was scanned).
    private(set) var unscannedBytes = 0

    init(_ text: String, byteLimit: Int = ScannedText.byteLimit) {
        let total = text.utf8.count
        let expected = min(total, byteLimit)
        values.reserveCapacity(expected)
        offsets.reserveCapacity(expected + 1)
        var offset = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if offset + width > byteLimit { break }
            values.append(CharacterFolding.fold(scalar.value))
            offsets.append(offset)
            offset += width
        }
        offsets.append(offset)
        unscannedBytes = total - offset
        for i in values.indices.dropFirst().dropLast() where values[i] == 0x30FC || values[i] == 0xFF70 {
            if CharacterFolding.isDigit(values[i - 1]), CharacterFolding.isDigit(values[i + 1]) { values[i] = 0x2D }
        }
    }

    /// The range of scalars `lower..<upper` as indices into `text` (the string this was built from).
    func range(in text: String, _ lower: Int, _ upper: Int) -> Range<String.Index> {
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: offsets[lower])
        let end = utf8.index(start, offsetBy: offsets[upper] - offsets[lower])
        return start..<end
    }
}
