/// Applies a `MaskingPolicy` to prompt and reply text before anything touches disk or an exporter.
///
/// Stateless apart from the hash key, so one value is shared by all request threads.
public struct Masker: Sendable {
    private let mac: HMACSHA256
    private let detector = PIIDetector()

    /// A masker whose `.hash` policy is keyed with `hashKey` (keep it secret and stable, or hashes of the same
    /// prompt stop matching across restarts).
    public init(hashKey: [UInt8]) {
        mac = HMACSHA256(key: hashKey)
    }

    /// `text` reduced by `policy`; nil for `.drop`.
    public func mask(_ text: String, with policy: MaskingPolicy) -> String? {
        switch policy {
        case .none: return text
        case .drop: return nil
        case .hash: return "hash:" + HMACSHA256.hex(mac.authenticationCode(for: text.utf8))
        case .prefix(let count): return prefix(text, keeping: count)
        case .pii: return replacingPII(in: text)
        }
    }

    private func prefix(_ text: String, keeping count: Int) -> String {
        let keep = max(0, count)
        // Walking at most `keep` characters first avoids counting the whole text when it is short enough.
        guard let cut = text.index(text.startIndex, offsetBy: keep, limitedBy: text.endIndex), cut < text.endIndex
        else { return text }
        let hidden = text[cut...].count
        return String(text[..<cut]) + "…[masked \(hidden) chars]"
    }

    private func replacingPII(in text: String) -> String {
        let scanned = ScannedText(text)
        let matches = detector.detect(in: text, scanned: scanned)
        let scalars = text.unicodeScalars
        var out = String.UnicodeScalarView()
        var cursor = scalars.startIndex
        for match in matches {
            out.append(contentsOf: scalars[cursor..<match.range.lowerBound])
            out.append(contentsOf: match.kind.placeholder.unicodeScalars)
            cursor = match.range.upperBound
        }
        let end = text.utf8.index(text.utf8.startIndex, offsetBy: text.utf8.count - scanned.unscannedBytes)
        out.append(contentsOf: scalars[cursor..<end])
        var result = String(out)
        if scanned.unscannedBytes > 0 { result += "…[\(scanned.unscannedBytes) bytes not scanned, dropped]" }
        return result
    }
}
