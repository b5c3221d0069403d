import Storage

/// A JSON document built by the API: objects keep their keys in the order written, so answers are stable
/// byte for byte (no Foundation encoder, whose key order on Linux is not).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    /// A stored value as JSON (non-finite numbers become `null`).
    public init(_ value: SQLiteValue) {
        switch value {
        case .null: self = .null
        case .int(let v): self = .int(v)
        case .double(let v): self = v.isFinite ? .double(v) : .null
        case .text(let v): self = .string(v)
        }
    }

    /// Rows of a table as objects keyed by its column names.
    public static func rows(_ table: QueryTable) -> JSONValue {
        .array(table.rows.map { row in .object(zip(table.columns, row).map { ($0, JSONValue($1)) }) })
    }

    /// Compact JSON text.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let v): out += v ? "true" : "false"
        case .int(let v): out += String(v)
        case .double(let v):
            if v.isFinite {
                // Three decimals are plenty for ms, percentages and prices; keeps answers small.
                let rounded = (v * 1000).rounded() / 1000
                out += rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
            } else {
                out += "null"
            }
        case .string(let v): Self.quote(v, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string; `<`, `>` and `&` are escaped too, so the text is inert even if a browser sniffs it as HTML.
    static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + Self.hex4(scalar.value)
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + Self.hex4(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<4).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 15)] })
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(Int64(value)) }
    public init(nilLiteral: ()) { self = .null }
}
