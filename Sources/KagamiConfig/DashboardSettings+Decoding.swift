extension DashboardSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder, allowed: ["enabled", "socket", "htpasswd_file", "allow", "key_file", "threads"])
        let defaults = DashboardSettings()
        self.init(
            enabled: try object.value("enabled", default: defaults.enabled),
            socket: try object.value("socket", default: defaults.socket),
            htpasswdFile: try object.optional("htpasswd_file"),
            allow: try object.value("allow", default: defaults.allow),
            keyFile: try object.optional("key_file"),
            threads: try object.value("threads", default: defaults.threads))
    }
}
