/// Everything wrong with the site sources at once (templates, strings, assets), each at a file and line.
public struct SiteProblems: Error, CustomStringConvertible {
    /// The individual problems, in file order.
    public var problems: [TemplateError]

    /// Wraps a list of problems.
    public init(_ problems: [TemplateError]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
