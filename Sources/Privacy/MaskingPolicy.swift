/// How prompt and reply text is reduced before it reaches storage or an exporter.
///
/// Configured by name (`"prefix:10"`, `"pii"`, `"hash"`, `"drop"`, `"none"`); `.prefix(10)` is the default
/// because the system Kagami replaces showed the first 10 characters.
public enum MaskingPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Keep the first N characters (grapheme clusters) and say how many were hidden, e.g.
    /// `要約してくださ…[masked 123 chars]`; text of at most N characters is kept whole.
    case prefix(Int)
    /// Replace each detected PII item with a typed placeholder (`[EMAIL]`, `[PHONE]`, `[CARD]`, `[MY_NUMBER]`,
    /// `[POSTAL_CODE]`, `[IP]`, `[API_KEY]`). Text past the 64 KiB the detector scans is dropped, not kept raw.
    case pii
    /// `hash:` + hex HMAC-SHA256 of the whole text under the operator's key: identical prompts join up, nobody
    /// reads them.
    case hash
    /// Keep nothing.
    case drop
    /// Keep the raw text; only for operators who explicitly allow it.
    case none

    /// The default policy: the first 10 characters.
    public static let `default` = MaskingPolicy.prefix(10)

    /// Parses a configured name: `prefix:N` (N ≥ 0), `prefix` (= `prefix:10`), `pii`, `hash`, `drop`, `none`;
    /// nil for anything else, so a typo fails configuration loading instead of silently storing raw text.
    public init?(parsing text: String) {
        switch text {
        case "prefix": self = .prefix(10)
        case "pii": self = .pii
        case "hash": self = .hash
        case "drop": self = .drop
        case "none": self = .none
        default:
            guard text.hasPrefix("prefix:") else { return nil }
            let number = text.dropFirst("prefix:".count)
            guard !number.isEmpty, number.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let count = Int(number)
            else { return nil }
            self = .prefix(count)
        }
    }

    /// The configured name, the inverse of `init(parsing:)`.
    public var description: String {
        switch self {
        case .prefix(let count): "prefix:\(count)"
        case .pii: "pii"
        case .hash: "hash"
        case .drop: "drop"
        case .none: "none"
        }
    }
}
