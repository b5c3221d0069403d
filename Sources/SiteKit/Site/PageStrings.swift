import FoundationEssentials

/// The UI text in every language the page speaks, from `templates/strings.json`
/// (`{"en": {"key": "text", ...}, "ja": {...}}`). Placeholders look like `{model}`.
public struct PageStrings: Sendable, Equatable {
    /// The languages the page offers, in switch order.
    public static let languages = ["en", "ja"]

    /// Text by language, then by key.
    public var text: [String: [String: String]]

    /// Wraps already-loaded text (tests); use ``parse(_:file:)`` for the file.
    public init(text: [String: [String: String]]) { self.text = text }

    /// Parses and checks the strings file: both languages present, the same keys in each.
    public static func parse(_ source: String, file: String) throws(SiteProblems) -> PageStrings {
        let decoded: [String: [String: String]]
        do {
            decoded = try JSONDecoder().decode([String: [String: String]].self, from: Data(source.utf8))
        } catch {
            throw SiteProblems([
                TemplateError(
                    file: file, line: 1,
                    message: "not a JSON object of languages to {key: text} objects (\(error))")
            ])
        }
        var problems: [TemplateError] = []
        for language in languages where decoded[language] == nil {
            problems.append(TemplateError(file: file, line: 1, message: "no \"\(language)\" section"))
        }
        for language in decoded.keys.sorted() where !languages.contains(language) {
            problems.append(
                TemplateError(
                    file: file, line: line(of: language, in: source),
                    message: "unknown language \"\(language)\" (the page offers \(languages.joined(separator: ", ")))"))
        }
        let allKeys = Set(decoded.values.flatMap(\.keys))
        for language in languages {
            guard let table = decoded[language] else { continue }
            for key in allKeys.subtracting(table.keys).sorted() {
                problems.append(
                    TemplateError(
                        file: file, line: line(of: key, in: source),
                        message: "\"\(key)\" has no \(language) text (every key needs every language)"))
            }
        }
        guard problems.isEmpty else { throw SiteProblems(problems) }
        return PageStrings(text: decoded)
    }

    /// The text for `key` in `language`, with `{name}` placeholders filled in.
    public func text(_ key: String, in language: String, _ values: [String: String] = [:]) -> String {
        var result = text[language]?[key] ?? key
        for (name, value) in values { result = result.replacing("{\(name)}", with: value) }
        return result
    }

    /// The first line that mentions `"key"`, so a problem points at the right place in the file.
    private static func line(of key: String, in source: String) -> Int {
        let needle = "\"\(key)\""
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(needle) {
            return index + 1
        }
        return 1
    }
}
