/// Why a whole beacon was refused: the HTTP status and the `{"error": {code, message}}` it is answered with.
public struct BeaconError: Error, Equatable, CustomStringConvertible {
    public var status: Int
    /// Short and value-free (`invalid_json`, `too_many_events`), for logs and metrics.
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }
}
