/// A template problem, located at a file and line so an editor can jump to it (`index.html:12: ...`).
public struct TemplateError: Error, Equatable, CustomStringConvertible {
    /// The template's name, relative to the templates directory.
    public var file: String
    /// 1-based line number.
    public var line: Int
    public var message: String

    /// Creates an error at `file:line`.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }
}
