import FastCGI

/// Collects a response in memory, so responders can be tested without a server.
public final class InMemoryResponseWriter: ResponseWriter {
    public private(set) var status: Int?
    public private(set) var headers: [(String, String)] = []
    public private(set) var body: [UInt8] = []
    public private(set) var flushes = 0
    /// Simulates the client leaving: writes fail once `body` holds this many bytes.
    public var disconnectAfterBytes: Int?

    public init() {}

    public var hasStarted: Bool { status != nil }

    public var isClientConnected: Bool {
        guard let limit = disconnectAfterBytes else { return true }
        return body.count < limit
    }

    public func start(status: Int, headers: [(String, String)]) throws(ClientGoneError) {
        precondition(self.status == nil, "response started twice")
        self.status = status
        self.headers = headers
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ClientGoneError) {
        guard isClientConnected else { throw ClientGoneError() }
        body.append(contentsOf: bytes)
    }

    public func flush() throws(ClientGoneError) {
        guard isClientConnected else { throw ClientGoneError() }
        flushes += 1
    }

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// A header's value by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Server-Sent Events in the body, as (event, data) pairs.
    public var events: [(event: String, data: String)] {
        text.split(separator: "\n\n").compactMap { block in
            var event = "message"
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            return (event, data)
        }
    }
}

/// Builds a request the way nginx's `fastcgi_params` would describe it.
public func makeRequest(
    method: String = "POST", path: String = "/chat", body: String = "", contentType: String? = "application/json",
    headers: [String: String] = [:], bodyExceedsLimit: Bool = false
) -> HTTPRequest {
    var params = [
        "REQUEST_METHOD": method, "DOCUMENT_URI": path, "CONTENT_LENGTH": body.isEmpty ? "" : String(body.utf8.count),
    ]
    if let contentType { params["CONTENT_TYPE"] = contentType }
    for (name, value) in headers {
        params["HTTP_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })] = value
    }
    return HTTPRequest(params: params, body: Array(body.utf8), bodyExceedsLimit: bodyExceedsLimit)
}
