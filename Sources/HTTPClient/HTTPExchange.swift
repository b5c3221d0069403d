/// Limits for one exchange, in milliseconds. `0` means no limit.
public struct HTTPTimeouts: Sendable, Equatable {
    /// Time allowed to establish the TCP connection. Default 2 s.
    public var connectMs: Int
    /// Time allowed for the whole exchange, headers to last byte. Default 120 s.
    public var totalMs: Int
    /// Longest silence allowed between two received chunks (and before the first one). Default 60 s.
    public var idleMs: Int

    public init(connectMs: Int = 2_000, totalMs: Int = 120_000, idleMs: Int = 60_000) {
        self.connectMs = connectMs
        self.totalMs = totalMs
        self.idleMs = idleMs
    }
}

/// When things happened during an exchange, in seconds since the request started.
public struct HTTPTimings: Sendable, Equatable {
    /// TCP connection established (near 0 when a kept-alive connection was reused).
    public var connect: Double
    /// First byte of the response (status line) arrived.
    public var firstByte: Double
    /// Exchange finished.
    public var total: Double
    /// Whether a kept-alive connection was reused.
    public var reusedConnection: Bool

    public init(connect: Double = 0, firstByte: Double = 0, total: Double = 0, reusedConnection: Bool = false) {
        self.connect = connect
        self.firstByte = firstByte
        self.total = total
        self.reusedConnection = reusedConnection
    }
}

/// A request to send.
public struct HTTPExchange: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeouts: HTTPTimeouts

    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeouts: HTTPTimeouts = HTTPTimeouts()
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
    }
}

/// What came back, apart from the body (which went to the caller's data callback).
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var contentType: String?
    public var timings: HTTPTimings
    /// The `Retry-After` header in seconds (libcurl parses both forms), when the server sent one.
    public var retryAfterSeconds: Int?

    public init(
        status: Int, contentType: String? = nil, timings: HTTPTimings = HTTPTimings(), retryAfterSeconds: Int? = nil
    ) {
        self.status = status
        self.contentType = contentType
        self.timings = timings
        self.retryAfterSeconds = retryAfterSeconds
    }
}
