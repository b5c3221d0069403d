/// Checks a script that SiteGen inlines into `<script>…</script>` (the RUM script slot).
public enum InlineScript {
    /// The script to inline, or `nil` when it has no code (only comments and white space), so an empty
    /// slot renders nothing. Throws when the text would end the `<script>` element early.
    public static func prepare(_ source: String, file: String) throws(TemplateError) -> String? {
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.lowercased().contains("</script") || line.contains("<!--") {
            throw TemplateError(
                file: file, line: index + 1,
                message:
                    "contains </script or <!--, which would break the inline <script>; write \"<\\/script\" instead")
        }
        return hasCode(source) ? source : nil
    }

    /// True when anything but comments and white space is left.
    static func hasCode(_ source: String) -> Bool {
        var rest = Substring(source)
        while let first = rest.first {
            if first.isWhitespace {
                rest.removeFirst()
            } else if rest.hasPrefix("//") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*") {
                guard let end = rest.firstRange(of: "*/") else { return true }  // unterminated: let the browser say so
                rest = rest[end.upperBound...]
            } else {
                return true
            }
        }
        return false
    }
}
