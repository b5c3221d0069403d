import HTTPClient

/// Why a backend call failed, with the HTTP status Kagami answers for it.
public enum BackendError: Error, Equatable, CustomStringConvertible {
    /// Nothing answers at the backend's address (refused, unreachable, connect timeout): 503.
    case unavailable(String)
    /// The backend did not finish in time (total or idle timeout): 504.
    case timeout(String)
    /// The backend answered with an error status: 502, with its message.
    case backendStatus(status: Int, message: String)
    /// The backend does not have the model: 404.
    case modelNotFound(String)
    /// The backend's answer could not be understood (not JSON, wrong shape): 502.
    case malformed(String)
    /// The answer stopped before the backend said it was done: 502.
    case streamCut(String)
    /// Kagami stopped the call because the client left. No answer is owed.
    case cancelled

    /// The HTTP status Kagami answers with.
    public var httpStatus: Int {
        switch self {
        case .unavailable: 503
        case .timeout: 504
        case .backendStatus, .malformed, .streamCut: 502
        case .modelNotFound: 404
        case .cancelled: 499
        }
    }

    /// Short, value-free code for the error body, logs and span status.
    public var code: String {
        switch self {
        case .unavailable: "backend_unavailable"
        case .timeout: "backend_timeout"
        case .backendStatus: "backend_error"
        case .modelNotFound: "model_not_found"
        case .malformed: "backend_malformed"
        case .streamCut: "backend_stream_cut"
        case .cancelled: "client_closed"
        }
    }

    public var description: String {
        switch self {
        case .unavailable(let detail): "the model server is not reachable: \(detail)"
        case .timeout(let detail): "the model server did not answer in time: \(detail)"
        case .backendStatus(let status, let message): "the model server answered \(status): \(message)"
        case .modelNotFound(let model): "the model server has no model named \"\(model)\""
        case .malformed(let detail): "the model server's answer could not be read: \(detail)"
        case .streamCut(let detail): "the model server stopped mid-answer: \(detail)"
        case .cancelled: "the client disconnected"
        }
    }

    /// Maps a transport failure to what it means for a chat.
    init(_ error: HTTPClientError, receivedAnything: Bool) {
        switch error {
        case .connectFailed, .connectTimeout, .invalidRequest: self = .unavailable(error.description)
        case .totalTimeout, .idleTimeout: self = .timeout(error.description)
        case .cancelled: self = .cancelled
        case .transport(let detail):
            self = receivedAnything ? .streamCut(detail) : .backendStatus(status: 0, message: detail)
        }
    }
}
