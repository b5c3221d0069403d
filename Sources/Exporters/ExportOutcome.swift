import Storage

/// How one export request went, and so what the delivery loop does next.
public enum ExportOutcome: Sendable, Equatable {
    /// The receiver took the batch.
    case delivered
    /// Worth retrying (connect error, timeout, 429, 5xx); `retryAfterSeconds` from the receiver if it said.
    case retryable(reason: String, code: String, retryAfterSeconds: Int? = nil)
    /// Retrying cannot help (400, 401, 403, 404, 413…): the batch is dropped.
    case rejected(reason: String, code: String)

    /// Classifies an HTTP status (connect errors never get here). `body` is the receiver's answer, shown
    /// shortened in the log line.
    public static func classify(status: Int, body: [UInt8], retryAfterSeconds: Int?) -> ExportOutcome {
        if (200..<300).contains(status) { return .delivered }
        var excerpt = String(decoding: body.prefix(200), as: UTF8.self)
        excerpt = String(excerpt.map { $0.isNewline ? " " : $0 })
        let detail = excerpt.isEmpty ? "" : ": \(excerpt)"
        if status == 429 {
            return .retryable(
                reason: "rate-limited by the receiver (HTTP 429)\(detail)", code: "http_429",
                retryAfterSeconds: retryAfterSeconds)
        }
        if status >= 500 {
            return .retryable(
                reason: "receiver error (HTTP \(status))\(detail)", code: "http_5xx",
                retryAfterSeconds: retryAfterSeconds)
        }
        return .rejected(reason: "receiver rejected the batch (HTTP \(status))\(detail)", code: "http_\(status)")
    }
}

/// Sends one encoded batch somewhere. Implementations are called from one exporter thread at a time.
public protocol ExportTransport: Sendable {
    /// Encodes `traces` and sends them within `timeoutMs`.
    func send(_ traces: [ChatTrace], timeoutMs: Int) -> ExportOutcome
}
