/// One parsed template file. See `templates/README.md` for the syntax.
///
/// Parsing checks the whole structure (every block closed, every tag known, every expression readable), so a
/// template that parses can only fail at render time on data (an unknown variable, a missing include).
public struct Template: Sendable {
    /// The name errors use: the path relative to the templates directory.
    public let name: String
    let nodes: [TemplateNode]
    /// Every template named by an `{% include %}`, with its line, for checks before rendering.
    public let includes: [(name: String, line: Int)]

    /// Parses `source`; errors carry `name` and the line.
    public init(name: String, source: String) throws(TemplateError) {
        self.name = name
        var parser = TemplateParser(file: name, tokens: try TemplateLexer(file: name).tokenize(source))
        nodes = try parser.parseDocument()
        includes = parser.includes
    }

    static let filters: Set<String> = ["raw", "json"]
}

/// Builds the node tree from tokens, matching block tags.
struct TemplateParser {
    let file: String
    let tokens: [TemplateToken]
    var position = 0
    var includes: [(name: String, line: Int)] = []

    init(file: String, tokens: [TemplateToken]) {
        self.file = file
        self.tokens = tokens
    }

    private struct Block {
        let opener: String
        let line: Int
    }

    mutating func parseDocument() throws(TemplateError) -> [TemplateNode] {
        let (nodes, end) = try parseNodes(inside: nil)
        if let end {
            throw error(end.line, "{% \(end.word) %} without an open block")
        }
        return nodes
    }

    /// Parses until a tag that ends or splits `block` (`else`, `elif`, `endif`, `endfor`); returns it unconsumed.
    private mutating func parseNodes(
        inside block: Block?
    ) throws(TemplateError) -> (
        [TemplateNode], (word: String, rest: String, line: Int)?
    ) {
        var nodes: [TemplateNode] = []
        while position < tokens.count {
            let token = tokens[position]
            position += 1
            switch token.kind {
            case .text(let text): nodes.append(.text(text))
            case .comment: continue
            case .output(let content): nodes.append(try parseOutput(content, line: token.line))
            case .tag(let content):
                let (word, rest) = Self.splitTag(content)
                switch word {
                case "if": nodes.append(try parseConditional(rest, line: token.line))
                case "for": nodes.append(try parseLoop(rest, line: token.line))
                case "include":
                    guard case .literal(.string(let name))? = try? expression(rest, line: token.line) else {
                        throw error(
                            token.line, "{% include %} needs a quoted template name, e.g. {% include \"_head.html\" %}")
                    }
                    includes.append((name, token.line))
                    nodes.append(.include(name, line: token.line))
                case "elif", "else", "endif", "endfor":
                    guard let block else { throw error(token.line, "{% \(word) %} without an open block") }
                    let fits = block.opener == "if" ? ["elif", "else", "endif"] : ["else", "endfor"]
                    guard fits.contains(word) else {
                        throw error(
                            token.line,
                            "{% \(word) %} inside {% \(block.opener) %} opened at line \(block.line); expected "
                                + fits.map { "{% \($0) %}" }.joined(separator: " or "))
                    }
                    return (nodes, (word, rest, token.line))
                case "":
                    throw error(token.line, "empty {% %} tag")
                default:
                    throw error(
                        token.line, "unknown tag {% \(word) %} (known: if, elif, else, endif, for, endfor, include)")
                }
            }
        }
        if let block {
            let closer = block.opener == "if" ? "endif" : "endfor"
            throw error(block.line, "{% \(block.opener) %} is never closed: add {% \(closer) %}")
        }
        return (nodes, nil)
    }

    private mutating func parseOutput(_ content: String, line: Int) throws(TemplateError) -> TemplateNode {
        let parts = content.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        let filters = Array(parts.dropFirst())
        for filter in filters where !Template.filters.contains(filter) {
            throw error(line, "unknown filter \"\(filter)\" (known: json, raw)")
        }
        return .output(try expression(parts[0], line: line), filters: filters, line: line)
    }

    private mutating func parseConditional(_ condition: String, line: Int) throws(TemplateError) -> TemplateNode {
        let block = Block(opener: "if", line: line)
        var branches: [ConditionalBranch] = []
        var test = try expression(condition, line: line)
        var testLine = line
        while true {
            let (body, end) = try parseNodes(inside: block)
            branches.append(ConditionalBranch(condition: test, body: body, line: testLine))
            guard let end else { throw error(line, "{% if %} is never closed: add {% endif %}") }
            switch end.word {
            case "elif":
                test = try expression(end.rest, line: end.line)
                testLine = end.line
            case "else":
                try requireEmpty(end)
                let (otherwise, last) = try parseNodes(inside: block)
                guard let last, last.word == "endif" else {
                    throw error(last?.line ?? line, "{% else %} must be the last branch before {% endif %}")
                }
                try requireEmpty(last)
                return .conditional(branches: branches, otherwise: otherwise)
            default:
                try requireEmpty(end)
                return .conditional(branches: branches, otherwise: [])
            }
        }
    }

    private mutating func parseLoop(_ header: String, line: Int) throws(TemplateError) -> TemplateNode {
        let words = header.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
        guard words.count == 3, words[1] == "in", TemplateExpressionParser.isIdentifier(words[0]) else {
            throw error(line, "expected {% for NAME in LIST %}")
        }
        let sequence = try expression(words[2], line: line)
        let block = Block(opener: "for", line: line)
        let (body, end) = try parseNodes(inside: block)
        guard let end else { throw error(line, "{% for %} is never closed: add {% endfor %}") }
        try requireEmpty(end)
        var empty: [TemplateNode] = []
        if end.word == "else" {
            let (otherwise, last) = try parseNodes(inside: block)
            guard let last, last.word == "endfor" else {
                throw error(line, "{% for %} is never closed: add {% endfor %}")
            }
            try requireEmpty(last)
            empty = otherwise
        }
        return .loop(variable: words[0], sequence: sequence, body: body, empty: empty, line: line)
    }

    private func requireEmpty(_ tag: (word: String, rest: String, line: Int)) throws(TemplateError) {
        guard tag.rest.isEmpty else { throw error(tag.line, "{% \(tag.word) %} takes nothing after it") }
    }

    private func expression(_ text: String, line: Int) throws(TemplateError) -> TemplateExpression {
        try TemplateExpressionParser.parse(text) { message in error(line, message) }
    }

    private func error(_ line: Int, _ message: String) -> TemplateError {
        TemplateError(file: file, line: line, message: message)
    }

    private static func splitTag(_ content: String) -> (String, String) {
        guard let space = content.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (content, "") }
        return (String(content[..<space]), String(content[space...]).trimmingSpaces())
    }
}
