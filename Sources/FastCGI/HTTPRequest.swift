/// One HTTP request as the web server handed it over: CGI-style parameters and the body.
///
/// A plain value so that responders can be tested without a server.
public struct HTTPRequest: Sendable {
    /// CGI/FastCGI parameters (`REQUEST_METHOD`, `DOCUMENT_URI`, `HTTP_ACCEPT`, …).
    public var params: [String: String]
    /// The body, read up to the server's limit.
    public var body: [UInt8]
    /// True when the client declared (or sent) more than the server's body limit; `body` is then incomplete.
    public var bodyExceedsLimit: Bool

    public init(params: [String: String], body: [UInt8] = [], bodyExceedsLimit: Bool = false) {
        self.params = params
        self.body = body
        self.bodyExceedsLimit = bodyExceedsLimit
    }

    /// `GET`, `POST`, … (upper case as sent).
    public var method: String { params["REQUEST_METHOD"] ?? "GET" }

    /// The path without query string (`DOCUMENT_URI`, falling back to `SCRIPT_NAME`).
    public var path: String {
        if let uri = params["DOCUMENT_URI"], !uri.isEmpty { return uri }
        if let uri = params["REQUEST_URI"], !uri.isEmpty {
            return String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        }
        return params["SCRIPT_NAME"] ?? "/"
    }

    /// The media type of the body without parameters, lower-cased (`application/json`).
    public var mediaType: String? {
        guard let value = params["CONTENT_TYPE"], !value.isEmpty else { return nil }
        let bare = value.split(separator: ";", maxSplits: 1)[0]
        return bare.trimmingSpaces().lowercased()
    }

    /// True when the `Accept` header lists `mediaType` (lower case), compared without regard to case.
    public func accepts(_ mediaType: String) -> Bool {
        guard let accept = params["HTTP_ACCEPT"] else { return false }
        let wanted = Array(mediaType.utf8)
        let bytes = Array(accept.utf8)
        guard !wanted.isEmpty, bytes.count >= wanted.count else { return false }
        return (0...(bytes.count - wanted.count)).contains { start in
            (0..<wanted.count).allSatisfy { i in
                let byte = bytes[start + i]
                return (byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte) == wanted[i]
            }
        }
    }

    /// The declared body length; `nil` for bodiless requests (`CONTENT_LENGTH` empty or absent).
    public var contentLength: Int? {
        guard let value = params["CONTENT_LENGTH"], !value.isEmpty else { return nil }
        return Int(value)
    }

    /// A request header by its HTTP name (`Accept`, `traceparent`), case-insensitive.
    public func header(_ name: String) -> String? {
        // nginx's CGI form of a header name: HTTP_ + upper case, '-' as '_' (header names are ASCII).
        var key: [UInt8] = Array("HTTP_".utf8)
        key.reserveCapacity(5 + name.utf8.count)
        for byte in name.utf8 {
            key.append(byte == 0x2D ? 0x5F : (byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte))
        }
        return params[String(decoding: key, as: UTF8.self)]
    }
}

extension Substring {
    /// Drops leading and trailing spaces and tabs (no Foundation needed).
    func trimmingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
