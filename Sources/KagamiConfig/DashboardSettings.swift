#if canImport(Glibc)
    import Glibc
#endif

/// The dashboard and its read-only query API (`DashboardAPI`, `/dashboard/` and `/obs/api/` in nginx).
public struct DashboardSettings: Sendable, Equatable {
    /// Serve the dashboard at all. Default true; `false` leaves its nginx locations out.
    public var enabled: Bool
    /// Unix socket of DashboardAPI in the generated nginx config. Default `/run/kagami/dashboard.sock`.
    public var socket: String
    /// htpasswd file for nginx `auth_basic` (`KAGAMI_DASHBOARD_HTPASSWD` overrides). Default none: then only
    /// `allow` addresses reach the dashboard.
    public var htpasswdFile: String?
    /// Addresses allowed without a password when no `htpasswd_file` is set. Default `["127.0.0.1", "::1"]`.
    public var allow: [String]
    /// File holding the shared secret nginx sends as `X-Kagami-Dashboard-Key`; created (mode 0600, random) when
    /// missing. `KAGAMI_DASHBOARD_KEY` (the secret itself) overrides. Default `<storage.path>.dashboard-key`.
    public var keyFile: String?
    /// FastCGI worker threads of DashboardAPI. Default 16 (nginx opens a new connection per request).
    public var threads: Int

    public init(
        enabled: Bool = true, socket: String = "/run/kagami/dashboard.sock", htpasswdFile: String? = nil,
        allow: [String] = ["127.0.0.1", "::1"], keyFile: String? = nil, threads: Int = 16
    ) {
        self.enabled = enabled
        self.socket = socket
        self.htpasswdFile = htpasswdFile
        self.allow = allow
        self.keyFile = keyFile
        self.threads = threads
    }

    /// Problems with these settings, each naming its key under `dashboard.`.
    func problems() -> [ConfigError] {
        var problems: [ConfigError] = []
        func safe(_ text: String) -> Bool {
            !text.contains(where: { $0 == ";" || $0 == "{" || $0 == "}" || $0.isWhitespace || $0 == "\"" })
        }
        if !safe(socket) {
            problems.append(
                ConfigError(keyPath: "dashboard.socket", message: "must not contain spaces, quotes, ; or braces"))
        }
        if let htpasswdFile, !safe(htpasswdFile) || !htpasswdFile.hasPrefix("/") {
            problems.append(
                ConfigError(
                    keyPath: "dashboard.htpasswd_file",
                    message: "must be an absolute path without spaces, quotes, ; or braces"))
        }
        for (index, address) in allow.enumerated() where !RUMSettings.isCIDR(address) {
            problems.append(
                ConfigError(keyPath: "dashboard.allow[\(index)]", message: "\"\(address)\" is not an address or CIDR"))
        }
        if !(1...256).contains(threads) {
            problems.append(ConfigError(keyPath: "dashboard.threads", message: "must be 1…256"))
        }
        return problems
    }
}

extension KagamiConfiguration {
    /// The dashboard's shared secret: `KAGAMI_DASHBOARD_KEY`, else the key file's content; the file is created
    /// with a random key when it does not exist (whichever of SiteGen and DashboardAPI runs first creates it,
    /// `O_EXCL` makes the other read the same key). `nil` when neither works.
    public func dashboardKey(environment: [String: String]) -> String? {
        if let key = environment["KAGAMI_DASHBOARD_KEY"], !key.isEmpty { return key }
        let path = dashboard.keyFile ?? storage.path + ".dashboard-key"
        if let key = Self.readKey(path) { return key }
        var bytes = [UInt8](repeating: 0, count: 24)
        let random = open("/dev/urandom", O_RDONLY)
        guard random >= 0 else { return nil }
        let count = read(random, &bytes, bytes.count)
        close(random)
        guard count == bytes.count else { return nil }
        let hex = Array("0123456789abcdef".utf8)
        let key = String(decoding: bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 { return Self.readKey(path) }  // someone else created it first
        _ = key.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        return key
    }

    static func readKey(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let key = String(decoding: buffer[0..<count], as: UTF8.self).filter { !$0.isWhitespace }
        return key.isEmpty ? nil : key
    }
}
