/// A parsed JSON value: what a chat request, a backend's answer or a RUM beacon says.
///
/// Those bodies come from browsers and model servers, so the parser is small and strict instead of general:
/// it refuses nesting deeper than `maxDepth` (a `[[[[…` body cannot exhaust the stack), keeps object members in
/// order (lookups are linear; these objects are small), and reports the byte offset of the first problem.
/// Invalid UTF-8 inside strings is repaired (U+FFFD); callers that must refuse it check before parsing.
/// Several times cheaper than `JSONDecoder` on the small bodies of the hot paths, and Foundation-free.
public enum JSONTree: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONTree])
    case object([(String, JSONTree)])

    /// Deepest nesting accepted by default. A beacon needs 4 (batch → events → event → attrs).
    public static let defaultMaxDepth = 8

    /// Parses `bytes` as exactly one JSON value.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONTreeError) -> JSONTree {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONTreeError) in try parse(buffer, maxDepth: maxDepth) }
    }

    /// Parses `bytes` (a line of a stream, say) as exactly one JSON value.
    public static func parse(
        _ bytes: ArraySlice<UInt8>, maxDepth: Int = defaultMaxDepth
    ) throws(JSONTreeError) -> JSONTree {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONTreeError) in try parse(buffer, maxDepth: maxDepth) }
    }

    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(JSONTreeError) -> JSONTree {
        var parser = Parser(bytes: buffer, maxDepth: maxDepth)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == buffer.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// The member `key` of an object (the last one, if repeated), or `nil`.
    public subscript(key: String) -> JSONTree? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    /// The text, if this is a string.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number, if this is one.
    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The number as an `Int`, if this is a whole number that fits.
    public var int: Int? {
        guard case .number(let value) = self, value == value.rounded(), abs(value) < 9e15 else { return nil }
        return Int(value)
    }

    /// The flag, if this is a boolean.
    public var bool: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public static func == (lhs: JSONTree, rhs: JSONTree) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The JSON type's name, for error messages ("a string", "an object").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A member that is there but of another type than the reader expects.
public struct JSONTypeMismatch: Error, Equatable {
    /// The member's name.
    public var key: String
    /// What it is instead ("a string", "an object").
    public var found: String
}

extension JSONTree {
    /// The member `key` read by `extract` (`{ $0.string }`, `{ $0.int }`…): `nil` when absent or `null`, and
    /// ``JSONTypeMismatch`` when present with a type `extract` refuses — what a `Decodable` field would do.
    public func member<T>(_ key: String, _ extract: (JSONTree) -> T?) throws(JSONTypeMismatch) -> T? {
        guard let value = self[key], value != .null else { return nil }
        guard let typed = extract(value) else { throw JSONTypeMismatch(key: key, found: value.typeName) }
        return typed
    }
}

/// Why a body is not acceptable JSON.
public struct JSONTreeError: Error, Equatable, CustomStringConvertible {
    /// Byte offset of the problem.
    public var offset: Int
    public var message: String
    public var description: String { "\(message) at byte \(offset)" }
}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func error(_ message: String) -> JSONTreeError { JSONTreeError(offset: index, message: message) }

    mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                || bytes[index] == 0x09
        {
            index += 1
        }
    }

    mutating func value(depth: Int) throws(JSONTreeError) -> JSONTree {
        guard index < bytes.count else { throw error("the JSON ends too early") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            index += 1
            var members: [(String, JSONTree)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw error(index < bytes.count ? "expected a member name" : "the JSON ends too early")
                }
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                if try separator(closing: UInt8(ascii: "}")) { return .object(members) }
            }
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
            index += 1
            var elements: [JSONTree] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                skipSpace()
                elements.append(try value(depth: depth + 1))
                skipSpace()
                if try separator(closing: UInt8(ascii: "]")) { return .array(elements) }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        default:
            throw error("unexpected character")
        }
    }

    /// After a member or element: `,` (returns false) or the closing bracket (returns true).
    mutating func separator(closing: UInt8) throws(JSONTreeError) -> Bool {
        guard index < bytes.count else { throw error("the JSON ends too early") }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            return false
        }
        if bytes[index] == closing {
            index += 1
            return true
        }
        throw error("expected , or \(Character(Unicode.Scalar(closing)))")
    }

    mutating func expect(_ byte: UInt8) throws(JSONTreeError) {
        guard index < bytes.count else { throw error("the JSON ends too early") }
        guard bytes[index] == byte else { throw error("expected \(Character(Unicode.Scalar(byte)))") }
        index += 1
    }

    mutating func literal(_ word: StaticString) throws(JSONTreeError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("the JSON ends too early") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("unexpected character")
        }
        index += count
    }

    mutating func number() throws(JSONTreeError) -> Double {
        let start = index
        func digits(_ parser: inout Parser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (0x30...0x39).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw error("the JSON ends too early") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits(&self) == 0 {
            throw error("invalid number")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits(&self) > 0 else { throw error("invalid number") }
        }
        guard index - start <= 64 else { throw error("number too long") }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw error("invalid number") }
        return value  // may be ±infinity (1e999): the schema refuses it with a reason
    }

    mutating func string() throws(JSONTreeError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw error("control character in a string") }
            index += 1
        }
        // Escapes: decode into a UTF-8 buffer (the input is already valid UTF-8, so unescaped runs copy as-is).
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count - start)
        utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            }
            guard byte >= 0x20 else { throw error("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                utf8.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    // A surrogate pair; a lone half becomes U+FFFD rather than an error (browsers send them).
                    if index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    {
                        index += 2
                        let low = try hex4()
                        code =
                            (0xDC00...0xDFFF).contains(low)
                            ? 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                    } else {
                        code = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(code) {
                    code = 0xFFFD
                }
                utf8.append(contentsOf: UTF8.encode(Unicode.Scalar(code) ?? "\u{FFFD}")!)
            default:
                throw error("invalid escape in a string")
            }
        }
        throw error("the JSON ends too early (unterminated string)")
    }

    mutating func hex4() throws(JSONTreeError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("the JSON ends too early") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
