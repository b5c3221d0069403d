/// One piece of a template source: literal text or the inside of a `{{ }}`, `{% %}` or `{# #}`.
struct TemplateToken: Equatable {
    enum Kind: Equatable {
        case text(String)
        /// `{{ ... }}`: the expression text, trimmed.
        case output(String)
        /// `{% ... %}`: the tag text, trimmed.
        case tag(String)
        case comment
    }
    var kind: Kind
    /// Line the token starts on (1-based).
    var line: Int
}

/// Splits a template source into tokens, tracking lines, and drops the line of a tag that stands alone on it
/// (so `{% if %}` on its own line leaves no blank line in the output).
struct TemplateLexer {
    let file: String

    func tokenize(_ source: String) throws(TemplateError) -> [TemplateToken] {
        let bytes = Array(source.utf8)
        var tokens: [TemplateToken] = []
        var line = 1
        var textStart = 0
        var textLine = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "{"), index + 1 < bytes.count,
                let closer = Self.closer(for: bytes[index + 1])
            {
                if textStart < index {
                    tokens.append(TemplateToken(kind: .text(Self.string(bytes[textStart..<index])), line: textLine))
                }
                let open = Self.string(bytes[index..<index + 2])
                let contentStart = index + 2
                var end = contentStart
                var found = false
                while end + 1 < bytes.count {
                    if bytes[end] == UInt8(ascii: "\n") { break }
                    if bytes[end] == closer && bytes[end + 1] == UInt8(ascii: "}") {
                        found = true
                        break
                    }
                    end += 1
                }
                guard found else {
                    let close = Self.string([closer, UInt8(ascii: "}")])
                    throw TemplateError(
                        file: file, line: line,
                        message: "unclosed \(open): no \(close) on this line (a tag must end on the line it starts)")
                }
                let content = Self.string(bytes[contentStart..<end]).trimmingSpaces()
                switch closer {
                case UInt8(ascii: "}"):
                    guard !content.isEmpty else {
                        throw TemplateError(file: file, line: line, message: "empty {{ }}: name a value to print")
                    }
                    tokens.append(TemplateToken(kind: .output(content), line: line))
                case UInt8(ascii: "%"): tokens.append(TemplateToken(kind: .tag(content), line: line))
                default: tokens.append(TemplateToken(kind: .comment, line: line))
                }
                index = end + 2
                textStart = index
                textLine = line
                continue
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            index += 1
        }
        if textStart < bytes.count {
            tokens.append(TemplateToken(kind: .text(Self.string(bytes[textStart...])), line: textLine))
        }
        return Self.removingStandaloneLines(tokens)
    }

    private static func closer(for byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "{"): UInt8(ascii: "}")
        case UInt8(ascii: "%"): UInt8(ascii: "%")
        case UInt8(ascii: "#"): UInt8(ascii: "#")
        default: nil
        }
    }

    private static func string(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A tag or comment alone on its line takes its indentation and line break with it.
    private static func removingStandaloneLines(_ input: [TemplateToken]) -> [TemplateToken] {
        // Decide on the original text first: stripping one tag's line must not hide the next tag's line start.
        var standalone: [Int] = []
        for index in input.indices {
            switch input[index].kind {
            case .tag, .comment: break
            default: continue
            }
            if index > 0 {
                guard case .text(let text) = input[index - 1].kind else { continue }
                let tail = text.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
                guard tail.allSatisfy(isBlank), text.contains("\n") || index == 1 else { continue }
            }
            if index + 1 < input.count {
                guard case .text(let text) = input[index + 1].kind,
                    let newline = text.firstIndex(of: "\n"), text[..<newline].allSatisfy(isBlank)
                else { continue }
            }
            standalone.append(index)
        }
        var tokens = input
        for index in standalone {
            if index > 0, case .text(let text) = tokens[index - 1].kind {
                var trimmed = Substring(text)
                while let last = trimmed.last, isBlank(last) { trimmed.removeLast() }
                tokens[index - 1].kind = .text(String(trimmed))
            }
            if index + 1 < tokens.count, case .text(let text) = tokens[index + 1].kind,
                let newline = text.firstIndex(of: "\n")
            {
                tokens[index + 1].kind = .text(String(text[text.index(after: newline)...]))
            }
        }
        return tokens.filter { $0.kind != .text("") }
    }

    private static func isBlank(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\r"
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
