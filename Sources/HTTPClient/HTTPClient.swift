import CCurl

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client over libcurl, safe to share between threads.
///
/// Each thread gets its own easy handle (a pthread key), created on first use and reused, so consecutive
/// requests from a thread keep their backend connection and no lock is taken per request (64 handler threads
/// contending for a shared pool cost more than the requests). Call ``HTTPClient/globalInit()`` once before
/// starting threads.
///
/// `@unchecked Sendable`: the only state is the pthread key; each handle is touched by its own thread only.
public final class HTTPClient: @unchecked Sendable {
    private var key = pthread_key_t()

    public init() {
        // The destructor runs when a thread exits: release that thread's handle.
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<CurlEasy>.fromOpaque(pointer).release() }
        }
    }

    deinit { pthread_key_delete(key) }

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
        let easy = try threadHandle()
        // A callback that sends again on this thread (never done today) gets a handle of its own.
        guard !easy.inUse else {
            return try CurlEasy().perform(exchange, onData: onData, shouldContinue: shouldContinue)
        }
        easy.inUse = true
        defer { easy.inUse = false }
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

    private func threadHandle() throws(HTTPClientError) -> CurlEasy {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<CurlEasy>.fromOpaque(pointer).takeUnretainedValue()
        }
        let easy = try CurlEasy()
        pthread_setspecific(key, Unmanaged.passRetained(easy).toOpaque())
        return easy
    }
}
