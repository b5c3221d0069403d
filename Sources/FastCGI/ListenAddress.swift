/// Where the FastCGI server listens.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// A unix socket at `path`, created with file mode `mode` (e.g. `0o660` so nginx's group can connect).
    case unix(path: String, mode: UInt32)
    /// A TCP socket, e.g. `127.0.0.1:9000`.
    case tcp(host: String, port: Int)
    /// A socket inherited from the parent: systemd socket activation (`LISTEN_FDS`, fd 3) or fd 0
    /// (`StandardInput=socket`, the classic FastCGI convention).
    case inherited(fd: Int32)

    public var description: String {
        switch self {
        case .unix(let path, let mode): "unix:\(path) (mode \(String(mode, radix: 8)))"
        case .tcp(let host, let port): "tcp:\(host):\(port)"
        case .inherited(let fd): "inherited fd \(fd)"
        }
    }

    /// Parses `unix:/path`, `/path`, `tcp:host:port`, `host:port` or `:port`.
    public static func parse(_ text: String, unixMode: UInt32 = 0o660) -> ListenAddress? {
        var rest = Substring(text)
        if rest.hasPrefix("unix:") { return .unix(path: String(rest.dropFirst(5)), mode: unixMode) }
        if rest.hasPrefix("/") || rest.hasPrefix(".") { return .unix(path: text, mode: unixMode) }
        if rest.hasPrefix("tcp:") { rest = rest.dropFirst(4) }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        let host = rest[..<colon]
        return .tcp(host: host.isEmpty ? "127.0.0.1" : String(host), port: port)
    }
}
