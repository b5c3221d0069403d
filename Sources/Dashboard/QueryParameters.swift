/// A request's query string, decoded and checked: each parameter at most once, only names the endpoint
/// knows, every value validated before it reaches a query (where it is bound, never spliced).
public struct QueryParameters: Sendable, Equatable {
    /// Decoded name → value.
    public private(set) var values: [String: String]

    /// Longest duration any window may span: 31 days.
    public static let maxWindowMs: Int64 = 31 * 86_400_000
    /// Most points a time series may have.
    public static let maxPoints: Int64 = 1_440

    /// Decodes `query` (`a=1&b=x%20y`), refusing malformed escapes, repeated and unknown names.
    public init(query: String, allowed: Set<String>) throws(DashboardError) {
        values = [:]
        guard query.utf8.count <= 4096 else { throw DashboardError.invalid("query", "longer than 4096 bytes") }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(pieces[0]), let value = Self.decode(pieces.count > 1 ? pieces[1] : "") else {
                throw DashboardError.invalid("query", "malformed percent-encoding or UTF-8")
            }
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw DashboardError(
                    status: 400, code: "unknown_parameter",
                    message: "unknown parameter \"\(name.prefix(40))\" (known here: \(known.isEmpty ? "none" : known))")
            }
            guard values[name] == nil else { throw DashboardError.invalid(name, "given more than once") }
            values[name] = value
        }
    }

    /// `%XX` and `+` decoded; `nil` for a bad escape or invalid UTF-8.
    static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `30s`, `15m`, `1h`, `7d` in ms; `nil` when absent. Refuses other shapes and values outside `range`.
    public func duration(
        _ name: String, default fallback: Int64?, in range: ClosedRange<Int64>
    ) throws(DashboardError)
        -> Int64?
    {
        guard let text = values[name] else { return fallback }
        guard let unit = text.last, let number = Int64(text.dropLast()), number > 0, text.count <= 8,
            text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber })
        else {
            throw DashboardError.invalid(name, "expected a duration such as 15m, 1h, 24h or 7d")
        }
        let factor: Int64 =
            switch unit {
            case "s": 1_000
            case "m": 60_000
            case "h": 3_600_000
            case "d": 86_400_000
            default: throw DashboardError.invalid(name, "expected a duration such as 15m, 1h, 24h or 7d")
            }
        let ms = number * factor
        guard range.contains(ms) else {
            throw DashboardError.invalid(
                name, "must be between \(Self.describe(range.lowerBound)) and \(Self.describe(range.upperBound))")
        }
        return ms
    }

    /// An integer in `range`; `nil` when absent.
    public func integer(_ name: String, in range: ClosedRange<Int64>) throws(DashboardError) -> Int64? {
        guard let text = values[name] else { return nil }
        guard text.count <= 19, !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(text)
        else { throw DashboardError.invalid(name, "expected a whole number") }
        guard range.contains(value) else {
            throw DashboardError.invalid(name, "must be \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// A value made of `allowed` characters only, 1…`maxLength` long; `nil` when absent.
    public func token(
        _ name: String, maxLength: Int, allowed: (Character) -> Bool, what: String
    ) throws(DashboardError)
        -> String?
    {
        guard let text = values[name] else { return nil }
        guard !text.isEmpty, text.count <= maxLength, text.allSatisfy(allowed) else {
            throw DashboardError.invalid(name, "expected \(what), at most \(maxLength) characters")
        }
        return text
    }

    /// Free text (the prompt search): up to `maxLength` characters, no control characters.
    public func text(_ name: String, maxLength: Int) throws(DashboardError) -> String? {
        guard let text = values[name], !text.isEmpty else { return nil }
        guard text.count <= maxLength, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else { throw DashboardError.invalid(name, "at most \(maxLength) characters, no control characters") }
        return text
    }

    /// A time window ending at `to` (ms since the epoch, default now), spanning `window` (default `fallback`).
    public func window(nowMs: Int64, defaultMs: Int64) throws(DashboardError) -> (fromMs: Int64, toMs: Int64) {
        let span = try duration("window", default: defaultMs, in: 60_000...Self.maxWindowMs) ?? defaultMs
        let to = try integer("to", in: 0...4_102_444_800_000) ?? nowMs
        return (max(0, to - span), to)
    }

    /// A step for a series over `spanMs`: the `step` parameter, or one that gives about 60 points; at least 1 min
    /// and at most `maxPoints` points.
    public func step(spanMs: Int64) throws(DashboardError) -> Int64 {
        let automatic = max(60_000, (spanMs / 60 + 59_999) / 60_000 * 60_000)
        let step = try duration("step", default: automatic, in: 60_000...Self.maxWindowMs) ?? automatic
        guard step % 60_000 == 0 else { throw DashboardError.invalid("step", "must be whole minutes") }
        guard spanMs / step <= Self.maxPoints else {
            throw DashboardError.invalid("step", "too small for the window (at most \(Self.maxPoints) points)")
        }
        return step
    }

    static func describe(_ ms: Int64) -> String {
        if ms % 86_400_000 == 0 { return "\(ms / 86_400_000)d" }
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        return "\(ms / 1000)s"
    }
}

/// Character classes of the structured filters: anything else (quotes, `;`, `%`, spaces…) is refused.
enum Characters {
    static func isAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
    static func route(_ c: Character) -> Bool { isAlnum(c) || "/_-.".contains(c) }
    static func model(_ c: Character) -> Bool { isAlnum(c) || "._:/-+@".contains(c) }
    static func label(_ c: Character) -> Bool { isAlnum(c) || c == "_" || c == "-" }
    static func session(_ c: Character) -> Bool { isAlnum(c) || "_-.:".contains(c) }
    static func hex(_ c: Character) -> Bool { c.isASCII && c.isHexDigit && !c.isUppercase }
}
