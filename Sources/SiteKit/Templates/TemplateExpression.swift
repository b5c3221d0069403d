/// An expression inside `{{ }}` or `{% if %}`: a dotted path, a literal, `not`, `and`, `or`, `==`, `!=`.
indirect enum TemplateExpression: Equatable, Sendable {
    case path([String])
    case literal(TemplateValue)
    case not(TemplateExpression)
    case and(TemplateExpression, TemplateExpression)
    case or(TemplateExpression, TemplateExpression)
    case equal(TemplateExpression, TemplateExpression)
    case notEqual(TemplateExpression, TemplateExpression)
}

/// Parses expression text. Grammar (lowest precedence first):
/// `or := and ("or" and)*`, `and := not ("and" not)*`, `not := "not" not | compare`,
/// `compare := primary (("==" | "!=") primary)?`, `primary := path | "string" | integer | true | false | null | ( or )`.
struct TemplateExpressionParser {
    private enum Token: Equatable {
        case word(String)
        case string(String)
        case integer(Int)
        case symbol(String)
    }

    private var tokens: [Token] = []
    private var position = 0

    /// Parses `text` completely; `describe` turns a problem into a located error.
    static func parse(
        _ text: String, error describe: (String) -> TemplateError
    ) throws(TemplateError)
        -> TemplateExpression
    {
        var parser = TemplateExpressionParser()
        guard let tokens = tokenize(text) else { throw describe("cannot read expression \"\(text)\"") }
        parser.tokens = tokens
        guard let expression = parser.parseOr() else { throw describe("expected a value in \"\(text)\"") }
        guard parser.position == tokens.count else {
            throw describe("unexpected \"\(parser.describe(tokens[parser.position]))\" in \"\(text)\"")
        }
        return expression
    }

    /// True for names a template may bind (`for NAME in ...`).
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            && !["and", "or", "not", "in", "true", "false", "null"].contains(text)
    }

    private static func tokenize(_ text: String) -> [Token]? {
        var tokens: [Token] = []
        var characters = Array(text)[...]
        while let character = characters.first {
            if character == " " || character == "\t" {
                characters.removeFirst()
            } else if character == "\"" {
                characters.removeFirst()
                var value = ""
                var closed = false
                while let next = characters.popFirst() {
                    if next == "\"" {
                        closed = true
                        break
                    }
                    if next == "\\" {
                        guard let escaped = characters.popFirst() else { return nil }
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(next)
                    }
                }
                guard closed else { return nil }
                tokens.append(.string(value))
            } else if character.isASCII && character.isNumber {
                var digits = ""
                while let next = characters.first, next.isASCII && next.isNumber {
                    digits.append(next)
                    characters.removeFirst()
                }
                guard let number = Int(digits) else { return nil }
                tokens.append(.integer(number))
            } else if character.isASCII && (character.isLetter || character == "_") {
                var word = ""
                while let next = characters.first, next.isASCII && (next.isLetter || next.isNumber || next == "_") {
                    word.append(next)
                    characters.removeFirst()
                }
                tokens.append(.word(word))
            } else if character == "=" || character == "!" {
                characters.removeFirst()
                guard characters.popFirst() == "=" else { return nil }
                tokens.append(.symbol(String(character) + "="))
            } else if character == "." || character == "(" || character == ")" {
                characters.removeFirst()
                tokens.append(.symbol(String(character)))
            } else {
                return nil
            }
        }
        return tokens
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let word): word
        case .string(let value): "\"\(value)\""
        case .integer(let number): String(number)
        case .symbol(let symbol): symbol
        }
    }

    private var current: Token? { position < tokens.count ? tokens[position] : nil }

    private mutating func parseOr() -> TemplateExpression? {
        guard var left = parseAnd() else { return nil }
        while current == .word("or") {
            position += 1
            guard let right = parseAnd() else { return nil }
            left = .or(left, right)
        }
        return left
    }

    private mutating func parseAnd() -> TemplateExpression? {
        guard var left = parseNot() else { return nil }
        while current == .word("and") {
            position += 1
            guard let right = parseNot() else { return nil }
            left = .and(left, right)
        }
        return left
    }

    private mutating func parseNot() -> TemplateExpression? {
        if current == .word("not") {
            position += 1
            return parseNot().map { .not($0) }
        }
        return parseCompare()
    }

    private mutating func parseCompare() -> TemplateExpression? {
        guard let left = parsePrimary() else { return nil }
        if current == .symbol("==") || current == .symbol("!=") {
            let isEqual = current == .symbol("==")
            position += 1
            guard let right = parsePrimary() else { return nil }
            return isEqual ? .equal(left, right) : .notEqual(left, right)
        }
        return left
    }

    private mutating func parsePrimary() -> TemplateExpression? {
        guard let token = current else { return nil }
        position += 1
        switch token {
        case .string(let value): return .literal(.string(value))
        case .integer(let number): return .literal(.int(number))
        case .symbol("("):
            guard let inner = parseOr(), current == .symbol(")") else { return nil }
            position += 1
            return inner
        case .word("true"): return .literal(true)
        case .word("false"): return .literal(false)
        case .word("null"): return .literal(nil)
        case .word(let word) where Self.isIdentifier(word):
            var components = [word]
            while current == .symbol(".") {
                position += 1
                guard case .word(let next)? = current else { return nil }
                position += 1
                components.append(next)
            }
            return .path(components)
        default:
            position -= 1
            return nil
        }
    }
}
