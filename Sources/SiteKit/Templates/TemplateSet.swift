/// The templates of one directory by name, able to render any of them with includes resolved among them.
public struct TemplateSet: Sendable {
    /// Templates by name (path relative to the templates directory, `/`-separated).
    public private(set) var templates: [String: Template] = [:]

    /// An empty set; add templates with ``add(name:source:)``.
    public init() {}

    /// Parses `source` and adds it under `name`.
    public mutating func add(name: String, source: String) throws(TemplateError) {
        templates[name] = try Template(name: name, source: source)
    }

    /// Problems that would only show at render time but can be found now: includes naming a missing
    /// template, and include cycles.
    public func check() -> [TemplateError] {
        var problems: [TemplateError] = []
        for name in templates.keys.sorted() {
            for include in templates[name]!.includes where templates[include.name] == nil {
                problems.append(
                    TemplateError(
                        file: name, line: include.line, message: "includes \"\(include.name)\", which does not exist"))
            }
            if let cycle = cycle(from: name, path: [name]) {
                problems.append(
                    TemplateError(file: name, line: 1, message: "include cycle: " + cycle.joined(separator: " → ")))
            }
        }
        return problems
    }

    private func cycle(from name: String, path: [String]) -> [String]? {
        for include in templates[name]?.includes ?? [] {
            if include.name == path[0] { return path + [include.name] }
            if path.contains(include.name) { continue }  // a cycle not through the start: found from its own start
            if let found = cycle(from: include.name, path: path + [include.name]) { return found }
        }
        return nil
    }

    /// Renders the template `name` with `context` (the top-level variables).
    public func render(_ name: String, context: [String: TemplateValue]) throws(TemplateError) -> String {
        guard let template = templates[name] else {
            throw TemplateError(file: name, line: 1, message: "no template named \"\(name)\"")
        }
        var renderer = TemplateRenderer(set: self, scopes: [context])
        try renderer.render(template.nodes, file: template.name, depth: 0)
        return renderer.output
    }
}

/// Walks a node tree, writing output; variables resolve innermost scope first (loop variables shadow).
struct TemplateRenderer {
    let set: TemplateSet
    var scopes: [[String: TemplateValue]]
    var output = ""

    /// Deep enough for any sane layout, shallow enough to stop a cycle that slipped past ``TemplateSet/check()``.
    static let maxIncludeDepth = 16

    init(set: TemplateSet, scopes: [[String: TemplateValue]]) {
        self.set = set
        self.scopes = scopes
    }

    mutating func render(_ nodes: [TemplateNode], file: String, depth: Int) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .output(let expression, let filters, let line):
                var value = try evaluate(expression, file: file, line: line)
                if filters.contains("json") { value = .string(TemplateEscaping.json(value)) }
                let text = try printable(value, file: file, line: line)
                output += filters.contains("raw") ? text : TemplateEscaping.html(text)
            case .conditional(let branches, let otherwise):
                var taken = false
                for branch in branches where try evaluate(branch.condition, file: file, line: branch.line).isTruthy {
                    try render(branch.body, file: file, depth: depth)
                    taken = true
                    break
                }
                if !taken { try render(otherwise, file: file, depth: depth) }
            case .loop(let variable, let sequence, let body, let empty, let line):
                guard case .list(let items) = try evaluate(sequence, file: file, line: line) else {
                    throw TemplateError(file: file, line: line, message: "{% for %} needs a list")
                }
                if items.isEmpty { try render(empty, file: file, depth: depth) }
                for (index, item) in items.enumerated() {
                    let loop: TemplateValue = [
                        "index": .int(index + 1), "first": .bool(index == 0), "last": .bool(index == items.count - 1),
                    ]
                    scopes.append([variable: item, "loop": loop])
                    defer { scopes.removeLast() }
                    try render(body, file: file, depth: depth)
                }
            case .include(let name, let line):
                guard let template = set.templates[name] else {
                    throw TemplateError(file: file, line: line, message: "includes \"\(name)\", which does not exist")
                }
                guard depth < Self.maxIncludeDepth else {
                    throw TemplateError(
                        file: file, line: line,
                        message: "includes nested deeper than \(Self.maxIncludeDepth) (a cycle?)")
                }
                try render(template.nodes, file: template.name, depth: depth + 1)
            }
        }
    }

    private func evaluate(
        _ expression: TemplateExpression, file: String, line: Int
    ) throws(TemplateError)
        -> TemplateValue
    {
        switch expression {
        case .literal(let value): return value
        case .not(let inner): return .bool(!(try evaluate(inner, file: file, line: line).isTruthy))
        case .and(let left, let right):
            let first = try evaluate(left, file: file, line: line)
            return first.isTruthy ? try evaluate(right, file: file, line: line) : first
        case .or(let left, let right):
            let first = try evaluate(left, file: file, line: line)
            return first.isTruthy ? first : try evaluate(right, file: file, line: line)
        case .equal(let left, let right):
            return .bool(try evaluate(left, file: file, line: line) == evaluate(right, file: file, line: line))
        case .notEqual(let left, let right):
            return .bool(try evaluate(left, file: file, line: line) != evaluate(right, file: file, line: line))
        case .path(let components):
            guard let root = scopes.reversed().lazy.compactMap({ $0[components[0]] }).first else {
                let known = Set(scopes.flatMap(\.keys)).sorted().joined(separator: ", ")
                throw TemplateError(
                    file: file, line: line, message: "unknown variable \"\(components[0])\" (known: \(known))")
            }
            var value = root
            for (depth, key) in components.enumerated().dropFirst() {
                let walked = components[..<depth].joined(separator: ".")
                guard case .object(let fields) = value else {
                    throw TemplateError(
                        file: file, line: line, message: "\"\(walked)\" is \(value.kindName), it has no \"\(key)\"")
                }
                guard let next = fields[key] else {
                    throw TemplateError(
                        file: file, line: line,
                        message:
                            "\"\(walked)\" has no key \"\(key)\" (keys: \(fields.keys.sorted().joined(separator: ", ")))"
                    )
                }
                value = next
            }
            return value
        }
    }

    private func printable(_ value: TemplateValue, file: String, line: Int) throws(TemplateError) -> String {
        switch value {
        case .null: return ""
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .string(let text): return text
        case .list, .object:
            throw TemplateError(
                file: file, line: line, message: "cannot print \(value.kindName); loop over it or use | json")
        }
    }
}
