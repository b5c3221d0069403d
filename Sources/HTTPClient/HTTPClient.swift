import CCurl
import Synchronization

/// A blocking HTTP/1.1 client over libcurl, safe to share between threads.
///
/// Easy handles are pooled and reused, so consecutive requests to the same backend keep their connection.
/// Call ``HTTPClient/globalInit()`` once before starting threads.
public final class HTTPClient: Sendable {
    private let pool = Mutex<[CurlEasy]>([])
    private let maxIdleHandles: Int

    /// `maxIdleHandles`: how many idle handles (and so kept-alive connections) to keep. Default 64.
    public init(maxIdleHandles: Int = 64) {
        self.maxIdleHandles = maxIdleHandles
    }

    /// Initializes libcurl; must run before any thread uses a client (libcurl's rule).
    public static func globalInit() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    /// Sends `exchange`, streaming the response status and body chunks to `onData`. Return `false` from
    /// `onData` or `shouldContinue` (polled a few times a second) to abort. Non-2xx statuses are returned,
    /// not thrown.
    public func send(
        _ exchange: HTTPExchange, onData: @escaping (_ status: Int, _ chunk: UnsafeRawBufferPointer) -> Bool,
        shouldContinue: @escaping () -> Bool = { true }
    ) throws(HTTPClientError) -> HTTPResponseHead {
        let easy = try checkOut()
        defer { checkIn(easy) }
        return try easy.perform(exchange, onData: onData, shouldContinue: shouldContinue)
    }

    /// Sends `exchange` and collects the body, up to `maxBytes` (beyond that: ``HTTPClientError/transport(_:)``).
    public func fetch(
        _ exchange: HTTPExchange, maxBytes: Int = 8 << 20
    ) throws(HTTPClientError) -> (
        HTTPResponseHead, [UInt8]
    ) {
        var body: [UInt8] = []
        var tooLarge = false
        let head = try send(exchange) { _, chunk in
            if body.count + chunk.count > maxBytes {
                tooLarge = true
                return false
            }
            body.append(contentsOf: chunk)
            return true
        }
        if tooLarge { throw .transport("response larger than \(maxBytes) bytes") }
        return (head, body)
    }

    private func checkOut() throws(HTTPClientError) -> CurlEasy {
        if let easy = pool.withLock({ $0.popLast() }) { return easy }
        return try CurlEasy()
    }

    private func checkIn(_ easy: CurlEasy) {
        pool.withLock { idle in
            if idle.count < maxIdleHandles { idle.append(easy) }
        }
    }
}
