/// Writes JSON text by hand on hot paths (token events, log lines), where an encoder per call costs more than
/// the work itself.
public enum JSONText {
    /// `text` as a JSON string literal, quotes included.
    public static func quote(_ text: String) -> String {
        // Most text needs no escaping: check the bytes once and copy it whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c || $0 == 0xe2 }) {
            return "\"" + text + "\""
        }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            // U+2028/2029 are legal JSON but end lines in JavaScript; escaping them is cheap insurance.
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// A JSON object from already-encoded values, in the given order.
    public static func object(_ fields: [(String, JSONValue)]) -> String {
        var out = "{"
        var first = true
        for (key, value) in fields {
            guard let encoded = value.encoded else { continue }
            if !first { out += "," }
            first = false
            out += quote(key) + ":" + encoded
        }
        return out + "}"
    }
}

/// A value for ``JSONText/object(_:)``; `nil` payloads are left out of the object.
public enum JSONValue {
    case string(String?)
    case int(Int?)
    case double(Double?, digits: Int = 1)
    case bool(Bool?)
    /// Already-encoded JSON.
    case raw(String?)

    var encoded: String? {
        switch self {
        case .string(let value): return value.map(JSONText.quote)
        case .int(let value): return value.map { String($0) }
        case .double(let value, let digits):
            guard let value, value.isFinite else { return nil }
            return formatFixed(value, digits: digits)
        case .bool(let value): return value.map { $0 ? "true" : "false" }
        case .raw(let value): return value
        }
    }
}

/// `value` with `digits` decimals, without Foundation's formatters.
public func formatFixed(_ value: Double, digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    // Beyond Int64 (or with decimals beyond 2^53) fixed notation means nothing; Swift's own form is valid JSON.
    guard scaled < 9e18 else { return String(value) }
    let units = Int64(scaled)
    let divisor = Int64(scale)
    let sign = value < 0 && units != 0 ? "-" : ""
    guard digits > 0 else { return sign + String(units) }
    let fraction = String(units % divisor)
    return sign + String(units / divisor) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}
