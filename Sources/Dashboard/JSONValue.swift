import Storage
import Telemetry

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
                out += JSONText.number((v * 1000).rounded() / 1000)
            } else {
                out += "null"
            }
        case .string(let v): out += JSONText.quote(v, htmlSafe: true)
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
                out += JSONText.quote(key, htmlSafe: true)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(Int64(value)) }
    public init(nilLiteral: ()) { self = .null }
}
