extension KagamiConfiguration {
    /// Paths that other Kagami handlers own; a chat route may not take them.
    public static let reservedPaths = ["/", "/rum", "/dashboard", "/obs", "/metrics", "/assets"]

    /// Every problem found, each naming its key. Empty when the configuration is usable.
    public func validate() -> [ConfigError] {
        var problems: [ConfigError] = []
        func check(_ condition: Bool, _ key: String, _ message: String) {
            if !condition { problems.append(ConfigError(keyPath: key, message: message)) }
        }

        check(["auto", "en", "ja"].contains(site.language), "site.language", "must be auto, en or ja")
        check(!backends.isEmpty, "backends", "at least one backend is needed")
        for (name, backend) in backends.sorted(by: { $0.key < $1.key }) {
            let key = "backends.\(name)"
            if let url = backend.url { check(isHTTPURL(url), "\(key).url", "\"\(url)\" is not an http(s) URL") }
            check(backend.url != nil || backend.type == .ollama, "\(key).url", "required for type openai")
            check((1...256).contains(backend.maxConcurrency), "\(key).max_concurrency", "must be 1…256")
            check((0...100_000).contains(backend.maxQueue), "\(key).max_queue", "must be 0…100000")
            check(backend.queueTimeoutMs >= 0, "\(key).queue_timeout_ms", "must not be negative")
            check(backend.connectTimeoutMs > 0, "\(key).connect_timeout_ms", "must be positive")
        }

        check(!routes.isEmpty, "routes", "at least one route is needed")
        var seen: [String: Int] = [:]
        for (index, route) in routes.enumerated() {
            let key = "routes[\(index)]"
            if let problem = pathProblem(route.path) {
                problems.append(ConfigError(keyPath: "\(key).path", message: problem))
            }
            if let first = seen[route.path] {
                problems.append(
                    ConfigError(keyPath: "\(key).path", message: "\"\(route.path)\" is already routes[\(first)].path"))
            } else {
                seen[route.path] = index
            }
            check(!route.model.isEmpty, "\(key).model", "must not be empty")
            check(backends[route.backend] != nil, "\(key).backend", "no backend named \"\(route.backend)\"")
            check((1...1_000_000).contains(route.maxTokens), "\(key).max_tokens", "must be 1…1000000")
            if let temperature = route.temperature {
                check((0...5).contains(temperature), "\(key).temperature", "must be 0…5")
            }
            check(route.timeoutMs > 0, "\(key).timeout_ms", "must be positive")
            check(route.idleTimeoutMs > 0, "\(key).idle_timeout_ms", "must be positive")
        }

        check((1_024...(64 << 20)).contains(limits.maxBodyBytes), "limits.max_body_bytes", "must be 1024…67108864")
        check(limits.maxMessageChars > 0, "limits.max_message_chars", "must be positive")
        check(limits.maxMessages > 0, "limits.max_messages", "must be positive")
        check((1...4096).contains(handler.threads), "handler.threads", "must be 1…4096")
        check(handler.drainSeconds >= 0, "handler.drain_seconds", "must not be negative")
        check(handler.modelRefreshSeconds > 0, "handler.model_refresh_seconds", "must be positive")
        check(nginx.chatSocket.hasPrefix("/"), "nginx.chat_socket", "must be an absolute path")
        check(nginx.rumSocket.hasPrefix("/"), "nginx.rum_socket", "must be an absolute path")
        check((0...100_000).contains(nginx.chatRatePerMinute), "nginx.chat_rate_per_minute", "must be 0…100000")
        check((0...100_000).contains(nginx.chatBurst), "nginx.chat_burst", "must be 0…100000")
        check((0...1024).contains(nginx.upstreamKeepalive), "nginx.upstream_keepalive", "must be 0…1024")
        check(!storage.path.isEmpty, "storage.path", "must not be empty")
        check((1...3650).contains(storage.retentionDays), "storage.retention_days", "must be 1…3650")
        check((1...1_000_000).contains(storage.maxMegabytes), "storage.max_megabytes", "must be 1…1000000")
        for (key, policy) in [("masking.input", masking.input), ("masking.output", masking.output)]
            + routes.enumerated().flatMap({ index, route in
                [
                    ("routes[\(index)].masking.input", route.masking.input),
                    ("routes[\(index)].masking.output", route.masking.output),
                ].compactMap { key, value in value.map { (key, $0) } }
            })
        {
            if let problem = maskingPolicyProblem(policy) {
                problems.append(ConfigError(keyPath: key, message: problem))
            }
        }
        for (model, price) in cost.models {
            check(
                price.inputPerMillion >= 0 && price.outputPerMillion >= 0, "cost.models.\(model)",
                "prices must not be negative")
        }
        check(cost.hostMonthlyPrice >= 0, "cost.host_monthly_price", "must not be negative")
        check(observability.coldStartThresholdMs >= 0, "observability.cold_start_threshold_ms", "must not be negative")
        check(
            observability.maxTracesPerSecond >= 0 && observability.maxTracesPerSecond.isFinite,
            "observability.max_traces_per_second", "must be 0 (no limit) or more")
        check((0.2...3600).contains(sampler.intervalSeconds), "sampler.interval_seconds", "must be 0.2…3600")
        problems += exporters.validate()
        problems += rum.problems()
        problems += dashboard.problems()
        for (key, path) in [("nginx.chat_socket", nginx.chatSocket), ("nginx.rum_socket", nginx.rumSocket)] {
            check(
                !path.contains(where: { $0 == ";" || $0 == "{" || $0 == "}" || $0.isWhitespace || $0 == "\"" }),
                key, "must not contain spaces, quotes, ; or braces")
        }
        return problems
    }

    /// Overrides from the environment: `OLLAMA_HOST` for Ollama backends without a `url`;
    /// `KAGAMI_BACKEND_URL` and `KAGAMI_BACKEND_TYPE` for the backend named `default`.
    public mutating func apply(environment: [String: String]) {
        if let path = environment["KAGAMI_DB"], !path.isEmpty { storage.path = path }
        exporters.apply(environment: environment)
        if let path = environment["KAGAMI_GEO_DB"] { rum.geoDatabase = path }
        if let path = environment["KAGAMI_DASHBOARD_HTPASSWD"], !path.isEmpty { dashboard.htpasswdFile = path }
        if let host = environment["OLLAMA_HOST"], !host.isEmpty {
            for (name, backend) in backends where backend.type == .ollama && backend.url == nil {
                backends[name]?.url = Self.normalizeOllamaHost(host)
            }
        }
        if let url = environment["KAGAMI_BACKEND_URL"], !url.isEmpty {
            var backend = backends["default"] ?? BackendSettings()
            backend.url = url
            if let type = environment["KAGAMI_BACKEND_TYPE"].flatMap(BackendType.init(rawValue:)) {
                backend.type = type
                backend.provider = nil
            }
            backends["default"] = backend
        }
    }

    /// `OLLAMA_HOST` as Ollama reads it: `host`, `host:port`, or a URL; `0.0.0.0` means this machine.
    public static func normalizeOllamaHost(_ value: String) -> String {
        var scheme = "http://"
        var hostPart = Substring(value)
        for prefix in ["http://", "https://"] where hostPart.hasPrefix(prefix) {
            scheme = prefix
            hostPart = hostPart.dropFirst(prefix.count)
        }
        while hostPart.hasSuffix("/") { hostPart.removeLast() }
        var host = String(hostPart)
        if host.hasPrefix("0.0.0.0") { host = "127.0.0.1" + host.dropFirst(7) }
        let hasPort = host.hasPrefix("[") ? host.contains("]:") : host.contains(":")
        return scheme + host + (hasPort ? "" : ":11434")
    }

    /// The base URL of a backend, defaults applied.
    public func url(of backend: BackendSettings) -> String {
        backend.url ?? "http://127.0.0.1:11434"
    }
}

/// Why `policy` is not a masking policy (`prefix:N`, `pii`, `hash`, `drop`, `none`), or `nil` when it is.
/// Privacy's `MaskingPolicy(parsing:)` accepts exactly these.
func maskingPolicyProblem(_ policy: String) -> String? {
    if ["prefix", "pii", "hash", "drop", "none"].contains(policy) { return nil }
    if policy.hasPrefix("prefix:"), let count = Int(policy.dropFirst(7)), count >= 0 { return nil }
    return "\"\(policy)\" is not a masking policy (use prefix:N, pii, hash, drop or none)"
}

/// Why `path` is not a clean absolute route path, or `nil` when it is.
func pathProblem(_ path: String) -> String? {
    guard path.hasPrefix("/") else { return "must start with /" }
    guard path.count > 1 else { return "\"/\" serves the page; pick a path such as /chat" }
    guard !path.hasSuffix("/") else { return "must not end with /" }
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
    guard path.allSatisfy(allowed.contains) else { return "may only contain letters, digits and - . _ ~ /" }
    let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    guard !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
        return "must not contain //, /./ or /../"
    }
    for reserved in KagamiConfiguration.reservedPaths.dropFirst()
    where path == reserved || path.hasPrefix(reserved + "/") {
        return "\(reserved) is reserved for Kagami's own handlers"
    }
    return nil
}

/// True for `http://host[:port][/path]` and `https://…` with a non-empty host.
func isHTTPURL(_ text: String) -> Bool {
    let rest: Substring
    if text.hasPrefix("http://") {
        rest = text.dropFirst(7)
    } else if text.hasPrefix("https://") {
        rest = text.dropFirst(8)
    } else {
        return false
    }
    let authority = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
    guard !authority.isEmpty, !authority.contains(where: { $0 == " " || $0 == "@" || $0 == "?" || $0 == "#" })
    else { return false }
    if authority.hasPrefix("[") { return authority.contains("]") }
    let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count <= 2, !parts[0].isEmpty else { return false }
    if parts.count == 2 {
        guard let port = Int(parts[1]), (1...65535).contains(port) else { return false }
    }
    return true
}
