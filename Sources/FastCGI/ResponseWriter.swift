/// The client went away (the browser closed the tab, nginx aborted the request): stop producing output.
public struct ClientGoneError: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "client disconnected" }
}

/// Where a responder writes its answer. Headers first, then body bytes, flushed as the responder wishes.
///
/// Writes throw ``ClientGoneError`` once the client is gone, so a streaming responder notices at its next write.
public protocol ResponseWriter: AnyObject {
    /// Sends the status line and headers. Call once, before any body bytes.
    func start(status: Int, headers: [(String, String)]) throws(ClientGoneError)
    /// Appends body bytes (buffered until ``flush()`` or the end of the response).
    func write(_ bytes: UnsafeRawBufferPointer) throws(ClientGoneError)
    /// Pushes buffered bytes to the web server now (one call per streamed event).
    func flush() throws(ClientGoneError)
    /// Whether ``start(status:headers:)`` was called.
    var hasStarted: Bool { get }
    /// Best-effort check that the client is still there, without writing (never blocks). It may answer from a
    /// check made a few milliseconds ago; a failed write is always seen at once.
    var isClientConnected: Bool { get }
}

extension ResponseWriter {
    /// Appends UTF-8 text to the body.
    public func write(_ text: String) throws(ClientGoneError) {
        var text = text
        var failure: ClientGoneError?
        text.withUTF8 { buffer in
            do throws(ClientGoneError) { try write(UnsafeRawBufferPointer(buffer)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Appends bytes to the body.
    public func write(_ bytes: [UInt8]) throws(ClientGoneError) {
        var failure: ClientGoneError?
        bytes.withUnsafeBytes { buffer in
            do throws(ClientGoneError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// Something that answers HTTP requests: the chat handler, the beacon handler, test doubles.
public protocol Responder: Sendable {
    /// Answers one request. Called on a server worker thread; may block (e.g. on a backend call).
    func respond(to request: HTTPRequest, writer: any ResponseWriter)
}

/// Reason phrases for the status codes Kagami sends.
public func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 200: "OK"
    case 204: "No Content"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 408: "Request Timeout"
    case 413: "Content Too Large"
    case 415: "Unsupported Media Type"
    case 422: "Unprocessable Content"
    case 429: "Too Many Requests"
    case 500: "Internal Server Error"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    default: "Status \(status)"
    }
}
