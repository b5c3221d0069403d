import LLMBackends
import Telemetry

/// A chat that ends in an error response: the HTTP status, a short code and a message saying what to do.
/// Rendered as `{"error":{"code":…,"message":…}}` (or an SSE `error` event once streaming has begun).
public struct ChatFailure: Error, Equatable, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    /// Extra response headers (`Allow`, `Retry-After`).
    public var headers: [(String, String)]

    public init(status: Int, code: String, message: String, headers: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func == (lhs: ChatFailure, rhs: ChatFailure) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.message == rhs.message
    }

    /// The error object, as in the error body and the SSE `error` event.
    public var json: String {
        JSONText.object([
            ("error", .raw(JSONText.object([("code", .string(code)), ("message", .string(message))])))
        ])
    }

    /// A backend failure, as the client should see it.
    public init(_ error: BackendError, backend: String) {
        let advice: String
        switch error {
        case .unavailable: advice = " Is the model server running? Try again in a moment."
        case .timeout: advice = " The model may be loading or overloaded; try a shorter question or try again."
        case .modelNotFound(let model): advice = " Install it (e.g. `ollama pull \(model)`) or change the route."
        default: advice = ""
        }
        self.init(
            status: error.httpStatus, code: error.code, message: "\(error.description) [backend \(backend)].\(advice)",
            headers: error.httpStatus == 503 ? [("Retry-After", "5")] : [])
    }
}
