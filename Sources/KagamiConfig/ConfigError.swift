/// A problem in the configuration, naming the key it is about (`routes[1].max_tokens`).
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// Where in the JSON document, in dotted/indexed form; empty for the document itself.
    public var keyPath: String
    public var message: String

    public init(keyPath: String, message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { keyPath.isEmpty ? message : "\(keyPath): \(message)" }
}

/// Several problems at once, so an operator can fix them in one go.
public struct ConfigErrors: Error, CustomStringConvertible {
    public var errors: [ConfigError]
    /// The file the errors are in, if it came from one.
    public var file: String?

    public init(errors: [ConfigError], file: String? = nil) {
        self.errors = errors
        self.file = file
    }

    public var description: String {
        let prefix = file.map { "\($0): " } ?? ""
        return errors.map { prefix + $0.description }.joined(separator: "\n")
    }
}

/// Formats a Codable path as `routes[1].max_tokens`.
func formatKeyPath(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
        if let index = key.intValue {
            text += "[\(index)]"
        } else {
            text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return text
}
