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

    /// The declared body length; `nil` for bodiless requests (`CONTENT_LENGTH` empty or absent).
    public var contentLength: Int? {
        guard let value = params["CONTENT_LENGTH"], !value.isEmpty else { return nil }
        return Int(value)
    }

    /// A request header by its HTTP name (`Accept`, `traceparent`), case-insensitive.
    public func header(_ name: String) -> String? {
        var key = "HTTP_"
        for scalar in name.unicodeScalars {
            if scalar == "-" {
                key.append("_")
            } else {
                key.unicodeScalars.append(contentsOf: String(scalar).uppercased().unicodeScalars)
            }
        }
        return params[key]
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
