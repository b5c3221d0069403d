/// The kinds of personal or secret data that `PIIDetector` finds.
public enum PIIKind: String, Sendable, CaseIterable {
    /// An e-mail address (`local@domain.tld`).
    case email
    /// A phone number: Japanese domestic formats, `+81`, North American, and other `+`-prefixed numbers.
    case phone
    /// A payment card number (13–19 digits) that passes the Luhn check.
    case card
    /// A Japanese Individual Number (マイナンバー, 12 digits) whose check digit is valid.
    case myNumber = "my_number"
    /// A Japanese postal code (`〒123-4567`, `123-4567`).
    case postalCode = "postal_code"
    /// An IPv4 or IPv6 address.
    case ipAddress = "ip"
    /// An API key, access token or credential value (known key prefixes, JWTs, values after `token=` …).
    case apiKey = "api_key"

    /// The text that replaces a match under `MaskingPolicy.pii`, e.g. `[EMAIL]`.
    public var placeholder: String {
        switch self {
        case .email: "[EMAIL]"
        case .phone: "[PHONE]"
        case .card: "[CARD]"
        case .myNumber: "[MY_NUMBER]"
        case .postalCode: "[POSTAL_CODE]"
        case .ipAddress: "[IP]"
        case .apiKey: "[API_KEY]"
        }
    }

    /// A short English noun for counts in stored reasons ("2 emails, 1 card"); never the matched value.
    public func countPhrase(_ count: Int) -> String {
        let (singular, plural): (String, String) =
            switch self {
            case .email: ("email", "emails")
            case .phone: ("phone number", "phone numbers")
            case .card: ("card number", "card numbers")
            case .myNumber: ("My Number", "My Numbers")
            case .postalCode: ("postal code", "postal codes")
            case .ipAddress: ("IP address", "IP addresses")
            case .apiKey: ("API key", "API keys")
            }
        return "\(count) \(count == 1 ? singular : plural)"
    }
}
