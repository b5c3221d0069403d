/// Why an HTTP exchange with a backend failed. `code` is short and value-free, for metrics and span status.
public enum HTTPClientError: Error, Equatable, CustomStringConvertible {
    /// Nothing listens there, or the name does not resolve.
    case connectFailed(String)
    /// The connection was not established within the connect timeout.
    case connectTimeout(ms: Int)
    /// The whole exchange took longer than the total timeout.
    case totalTimeout(ms: Int)
    /// The server went silent between chunks for longer than the idle timeout.
    case idleTimeout(ms: Int)
    /// Our side stopped the transfer (the browser left, or a callback said so).
    case cancelled
    /// The connection broke mid-response or the server spoke something other than HTTP.
    case transport(String)
    /// The URL or a setting was rejected before sending.
    case invalidRequest(String)

    public var code: String {
        switch self {
        case .connectFailed: "connect_failed"
        case .connectTimeout: "connect_timeout"
        case .totalTimeout: "timeout"
        case .idleTimeout: "idle_timeout"
        case .cancelled: "cancelled"
        case .transport: "transport"
        case .invalidRequest: "invalid_request"
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let detail): "connection refused or unreachable (\(detail))"
        case .connectTimeout(let ms): "no connection within \(ms) ms"
        case .totalTimeout(let ms): "no complete answer within \(ms) ms"
        case .idleTimeout(let ms): "the server sent nothing for \(ms) ms"
        case .cancelled: "cancelled by the client"
        case .transport(let detail): "connection failed mid-response (\(detail))"
        case .invalidRequest(let detail): "invalid request (\(detail))"
        }
    }
}
