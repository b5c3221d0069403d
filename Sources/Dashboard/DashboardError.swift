/// Why the API refused a request: the HTTP status, a short value-free code and a message for people.
public struct DashboardError: Error, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// A 400 for parameter `name`.
    static func invalid(_ name: String, _ message: String) -> DashboardError {
        DashboardError(status: 400, code: "invalid_parameter", message: "\(name): \(message)")
    }

    /// The JSON body: `{"error":{"code","message"}}`.
    var json: JSONValue { .object([("error", .object([("code", .string(code)), ("message", .string(message))]))]) }
}
