/// Writes JSON text by hand on hot paths (token events, log lines), where an encoder per call costs more than
/// the work itself.
public enum JSONText {
    /// `text` as a JSON string literal, quotes included. `htmlSafe` also escapes `<`, `>` and `&`, so the text
    /// stays inert even if a browser sniffs the answer as HTML (the dashboard API).
    public static func quote(_ text: String, htmlSafe: Bool = false) -> String {
        // Most text needs no escaping: check the bytes once and copy it whole.
        if !text.utf8.contains(where: { needsEscape($0, htmlSafe: htmlSafe) }) {
            return "\"" + text + "\""
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        appendQuoted(text, to: &out, htmlSafe: htmlSafe)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal (quotes included) to a UTF-8 buffer: runs that need no escaping
    /// are copied whole, so the cost is one pass over the bytes.
    public static func appendQuoted(_ text: String, to out: inout [UInt8], htmlSafe: Bool = false) {
        out.append(0x22)
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                guard needsEscape(byte, htmlSafe: htmlSafe) else {
                    i += 1
                    continue
                }
                // U+2028/2029 (E2 80 A8/A9) are legal JSON but end lines in JavaScript: escape them too.
                if byte == 0xE2 {
                    guard i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9
                    else {
                        i += 1
                        continue
                    }
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                switch byte {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                case 0xE2:
                    appendUnicodeEscape(bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029, to: &out)
                    i += 2
                default:  // other controls, and < > & when htmlSafe
                    appendUnicodeEscape(UInt16(byte), to: &out)
                }
                i += 1
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(0x22)
    }

    /// `\uXXXX` for `code`.
    private static func appendUnicodeEscape(_ code: UInt16, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        out.append(contentsOf: [0x5C, 0x75])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hex.utf8Start[Int((code >> UInt16(shift)) & 0xF)])
        }
    }

    /// Bytes that may need escaping: controls, `"`, `\`, the lead byte of U+2028/2029, and `<`, `>`, `&` when
    /// `htmlSafe`.
    @inline(__always)
    static func needsEscape(_ byte: UInt8, htmlSafe: Bool) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0xE2
            || (htmlSafe && (byte == 0x3C || byte == 0x3E || byte == 0x26))
    }

    /// A number as JSON: whole numbers without a fraction, others in Swift's shortest round-trip form, and
    /// `null` for NaN and infinities (which JSON cannot say).
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A JSON object from already-encoded values, in the given order.
    public static func object(_ fields: [(String, JSONValue)]) -> String {
        var out: [UInt8] = []
        appendObject(fields, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``object(_:)``'s text to a UTF-8 buffer: one growing buffer instead of a string per member.
    public static func appendObject(_ fields: [(String, JSONValue)], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + 16 + fields.count * 24)
        out.append(0x7B)
        var first = true
        for (key, value) in fields where value.isPresent {
            if !first { out.append(0x2C) }
            first = false
            appendQuoted(key, to: &out)
            out.append(0x3A)
            value.append(to: &out)
        }
        out.append(0x7D)
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

    /// False for a `nil` payload and a non-finite double: the member is left out.
    var isPresent: Bool {
        switch self {
        case .string(let value): return value != nil
        case .int(let value): return value != nil
        case .double(let value, _): return value?.isFinite ?? false
        case .bool(let value): return value != nil
        case .raw(let value): return value != nil
        }
    }

    /// Appends the encoded value (call only when ``isPresent``).
    func append(to out: inout [UInt8]) {
        switch self {
        case .string(let value): JSONText.appendQuoted(value ?? "", to: &out)
        case .int(let value): out.append(contentsOf: String(value ?? 0).utf8)
        case .double(let value, let digits): out.append(contentsOf: formatFixed(value ?? 0, digits: digits).utf8)
        case .bool(let value): out.append(contentsOf: (value ?? false ? "true" : "false").utf8)
        case .raw(let value): out.append(contentsOf: (value ?? "null").utf8)
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
