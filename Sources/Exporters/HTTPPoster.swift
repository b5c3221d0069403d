import CZlib
import HTTPClient

/// POSTs one encoded body and classifies the answer for the delivery loop. Shared by the OTLP and Datadog
/// transports: headers (API keys) go on the wire only, never into a log line.
public struct HTTPPoster: Sendable {
    let http: HTTPClient
    let headers: [(String, String)]
    let gzip: Bool

    public init(http: HTTPClient, headers: [(String, String)], gzip: Bool) {
        self.http = http
        self.headers = headers
        self.gzip = gzip
    }

    /// Sends `body` to `url` with `contentType`.
    public func post(_ url: String, body: [UInt8], contentType: String, timeoutMs: Int) -> ExportOutcome {
        var headers = [("Content-Type", contentType)] + self.headers
        var body = body
        if gzip, let compressed = gzipCompress(body) {
            body = compressed
            headers.append(("Content-Encoding", "gzip"))
        }
        let exchange = HTTPExchange(
            method: "POST", url: url, headers: headers, body: body,
            timeouts: HTTPTimeouts(connectMs: min(2_000, timeoutMs), totalMs: timeoutMs, idleMs: timeoutMs))
        do {
            let (head, answer) = try http.fetch(exchange, maxBytes: 64 << 10)
            return ExportOutcome.classify(
                status: head.status, body: answer, retryAfterSeconds: head.retryAfterSeconds)
        } catch {
            switch error {
            case .invalidRequest(let detail):
                return .rejected(reason: "cannot send to \(redacted(url)) (\(detail))", code: "invalid_url")
            default:
                return .retryable(reason: "cannot reach \(redacted(url)): \(error.description)", code: error.code)
            }
        }
    }

    /// The URL without user info or query (they may carry credentials).
    func redacted(_ url: String) -> String {
        var text = Substring(url)
        if let query = text.firstIndex(of: "?") { text = text[..<query] }
        guard let schemeEnd = text.firstRange(of: "://")?.upperBound else { return String(text) }
        let authorityEnd = text[schemeEnd...].firstIndex(of: "/") ?? text.endIndex
        if let at = text[schemeEnd..<authorityEnd].lastIndex(of: "@") {
            return String(text[..<schemeEnd] + text[text.index(after: at)...])
        }
        return String(text)
    }
}

/// gzip (RFC 1952) of `bytes`; `nil` if zlib fails.
public func gzipCompress(_ bytes: [UInt8]) -> [UInt8]? {
    let capacity = kagami_gzip_bound(bytes.count)
    var out = [UInt8](repeating: 0, count: capacity)
    let written = bytes.withUnsafeBufferPointer { input in
        out.withUnsafeMutableBufferPointer { output in
            kagami_gzip(input.baseAddress, input.count, output.baseAddress, capacity)
        }
    }
    guard written > 0 else { return nil }
    out.removeLast(out.count - written)
    return out
}
