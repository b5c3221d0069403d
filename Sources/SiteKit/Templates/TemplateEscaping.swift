/// Escaping used by the template language: HTML for every `{{ }}` unless `| raw`, JSON for `| json`.
public enum TemplateEscaping {
    /// Escapes text for HTML element content and quoted attribute values.
    public static func html(_ text: String) -> String {
        // Fast path: most printed values (labels, paths) need no escaping.
        guard text.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 || $0 == 39 }) else {
            return text
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// JSON text for `value`, with object keys sorted (stable output for golden files) and `<`, `>`, `&`, `'`,
    /// U+2028 and U+2029 written as `\u` escapes, so the text is safe inside `<script>` and cannot close it.
    public static func json(_ value: TemplateValue) -> String {
        var out = ""
        appendJSON(value, to: &out)
        return out
    }

    private static func appendJSON(_ value: TemplateValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .string(let text): appendJSONString(text, to: &out)
        case .list(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                appendJSON(item, to: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendJSONString(key, to: &out)
                out += ":"
                appendJSON(fields[key]!, to: &out)
            }
            out += "}"
        }
    }

    private static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "'", "\u{2028}", "\u{2029}":
                out += unicodeEscape(scalar.value)
            default:
                if scalar.value < 0x20 { out += unicodeEscape(scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        out += "\""
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
