import FoundationEssentials

/// Any JSON object key, so unknown keys can be found and named.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Reads an object strictly: every key must be known, every value of the right type.
struct StrictObject {
    let container: KeyedDecodingContainer<AnyKey>

    init(_ decoder: Decoder, allowed: [String]) throws {
        container = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(allowed)
        for key in container.allKeys where !known.contains(key.stringValue) {
            let nearby = allowed.sorted().joined(separator: ", ")
            throw ConfigError(
                keyPath: formatKeyPath(decoder.codingPath + [key]), message: "unknown key (known keys here: \(nearby))")
        }
    }

    func value<T: Decodable>(_ key: String, default fallback: T) throws -> T {
        try container.decodeIfPresent(T.self, forKey: AnyKey(key)) ?? fallback
    }

    func optional<T: Decodable>(_ key: String) throws -> T? {
        try container.decodeIfPresent(T.self, forKey: AnyKey(key))
    }

    func required<T: Decodable>(_ key: String) throws -> T {
        try container.decode(T.self, forKey: AnyKey(key))
    }
}

extension KagamiConfiguration: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder,
            allowed: [
                "site", "backends", "routes", "limits", "handler", "nginx", "storage", "masking", "cost",
                "observability", "sampler", "exporters", "rum", "dashboard", "$comment",
            ])
        let defaults = KagamiConfiguration()
        self.init(
            site: try object.value("site", default: defaults.site),
            backends: try object.value("backends", default: defaults.backends),
            routes: try object.value("routes", default: defaults.routes),
            limits: try object.value("limits", default: defaults.limits),
            handler: try object.value("handler", default: defaults.handler),
            nginx: try object.value("nginx", default: defaults.nginx),
            storage: try object.value("storage", default: defaults.storage),
            masking: try object.value("masking", default: defaults.masking),
            cost: try object.value("cost", default: defaults.cost),
            observability: try object.value("observability", default: defaults.observability),
            sampler: try object.value("sampler", default: defaults.sampler),
            exporters: try object.value("exporters", default: defaults.exporters),
            rum: try object.value("rum", default: defaults.rum),
            dashboard: try object.value("dashboard", default: defaults.dashboard))
    }
}

extension StorageSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["path", "retention_days", "max_megabytes"])
        let defaults = StorageSettings()
        self.init(
            path: try object.value("path", default: defaults.path),
            retentionDays: try object.value("retention_days", default: defaults.retentionDays),
            maxMegabytes: try object.value("max_megabytes", default: defaults.maxMegabytes))
    }
}

extension MaskingSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["input", "output", "hash_key_env"])
        let defaults = MaskingSettings()
        self.init(
            input: try object.value("input", default: defaults.input),
            output: try object.value("output", default: defaults.output),
            hashKeyEnv: try object.value("hash_key_env", default: defaults.hashKeyEnv))
    }
}

extension RouteMasking: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["input", "output"])
        self.init(input: try object.optional("input"), output: try object.optional("output"))
    }
}

extension CostSettings.ModelPrice: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["input_per_million", "output_per_million"])
        self.init(
            inputPerMillion: try object.value("input_per_million", default: 0),
            outputPerMillion: try object.value("output_per_million", default: 0))
    }
}

extension CostSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["currency", "models", "host_monthly_price", "host_currency"])
        let defaults = CostSettings()
        self.init(
            currency: try object.value("currency", default: defaults.currency),
            models: try object.value("models", default: defaults.models),
            hostMonthlyPrice: try object.value("host_monthly_price", default: defaults.hostMonthlyPrice),
            hostCurrency: try object.value("host_currency", default: defaults.hostCurrency))
    }
}

extension ObservabilitySettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder, allowed: ["evaluations", "cold_start_threshold_ms", "max_traces_per_second"])
        let defaults = ObservabilitySettings()
        self.init(
            evaluations: try object.value("evaluations", default: defaults.evaluations),
            coldStartThresholdMs: try object.value("cold_start_threshold_ms", default: defaults.coldStartThresholdMs),
            maxTracesPerSecond: try object.value("max_traces_per_second", default: defaults.maxTracesPerSecond))
    }
}

extension SamplerSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["interval_seconds", "runner_processes"])
        let defaults = SamplerSettings()
        self.init(
            intervalSeconds: try object.value("interval_seconds", default: defaults.intervalSeconds),
            runnerProcesses: try object.value("runner_processes", default: defaults.runnerProcesses))
    }
}

extension NginxSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder, allowed: ["chat_socket", "rum_socket", "chat_rate_per_minute", "chat_burst", "upstream_keepalive"])
        let defaults = NginxSettings()
        self.init(
            chatSocket: try object.value("chat_socket", default: defaults.chatSocket),
            rumSocket: try object.value("rum_socket", default: defaults.rumSocket),
            chatRatePerMinute: try object.value("chat_rate_per_minute", default: defaults.chatRatePerMinute),
            chatBurst: try object.value("chat_burst", default: defaults.chatBurst),
            upstreamKeepalive: try object.value("upstream_keepalive", default: defaults.upstreamKeepalive))
    }
}

extension SiteSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["title", "language"])
        let defaults = SiteSettings()
        self.init(
            title: try object.value("title", default: defaults.title),
            language: try object.value("language", default: defaults.language))
    }
}

extension BackendType: Decodable {}

extension BackendSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder,
            allowed: [
                "type", "url", "provider", "max_concurrency", "max_queue", "queue_timeout_ms", "connect_timeout_ms",
                "keep_alive", "api_key_env",
            ])
        let defaults = BackendSettings()
        self.init(
            type: try object.value("type", default: defaults.type),
            url: try object.optional("url"),
            provider: try object.optional("provider"),
            maxConcurrency: try object.value("max_concurrency", default: defaults.maxConcurrency),
            maxQueue: try object.value("max_queue", default: defaults.maxQueue),
            queueTimeoutMs: try object.value("queue_timeout_ms", default: defaults.queueTimeoutMs),
            connectTimeoutMs: try object.value("connect_timeout_ms", default: defaults.connectTimeoutMs),
            keepAlive: try object.optional("keep_alive"),
            apiKeyEnv: try object.optional("api_key_env"))
    }
}

extension MissingModelPolicy: Decodable {}

extension RouteSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder,
            allowed: [
                "path", "model", "backend", "label", "max_tokens", "temperature", "timeout_ms", "idle_timeout_ms",
                "on_missing_model", "masking",
            ])
        let defaults = RouteSettings(path: "/", model: "")
        self.init(
            path: try object.required("path"),
            model: try object.required("model"),
            backend: try object.value("backend", default: defaults.backend),
            label: try object.optional("label"),
            maxTokens: try object.value("max_tokens", default: defaults.maxTokens),
            temperature: try object.optional("temperature"),
            timeoutMs: try object.value("timeout_ms", default: defaults.timeoutMs),
            idleTimeoutMs: try object.value("idle_timeout_ms", default: defaults.idleTimeoutMs),
            onMissingModel: try object.value("on_missing_model", default: defaults.onMissingModel),
            masking: try object.value("masking", default: RouteMasking()))
    }
}

extension RequestLimits: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["max_body_bytes", "max_message_chars", "max_messages"])
        let defaults = RequestLimits()
        self.init(
            maxBodyBytes: try object.value("max_body_bytes", default: defaults.maxBodyBytes),
            maxMessageChars: try object.value("max_message_chars", default: defaults.maxMessageChars),
            maxMessages: try object.value("max_messages", default: defaults.maxMessages))
    }
}

extension HandlerSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["threads", "drain_seconds", "model_refresh_seconds"])
        let defaults = HandlerSettings()
        self.init(
            threads: try object.value("threads", default: defaults.threads),
            drainSeconds: try object.value("drain_seconds", default: defaults.drainSeconds),
            modelRefreshSeconds: try object.value("model_refresh_seconds", default: defaults.modelRefreshSeconds))
    }
}

extension KagamiConfiguration {
    /// Parses a configuration document. Errors name the key (`routes[0].max_tokens: expected Int`).
    public static func parse(json: some Collection<UInt8>) throws(ConfigErrors) -> KagamiConfiguration {
        do {
            return try JSONDecoder().decode(KagamiConfiguration.self, from: Data(json))
        } catch let error as ConfigError {
            throw ConfigErrors(errors: [error])
        } catch let error as DecodingError {
            throw ConfigErrors(errors: [ConfigError(decoding: error)])
        } catch {
            throw ConfigErrors(errors: [ConfigError(keyPath: "", message: "\(error)")])
        }
    }

    /// Reads, parses, applies the environment and validates. The one way handlers and SiteGen load config.
    public static func load(
        path: String?, environment: [String: String]
    ) throws(ConfigErrors) -> KagamiConfiguration {
        var configuration = KagamiConfiguration()
        if let path {
            let bytes: Data
            do {
                bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw ConfigErrors(
                    errors: [ConfigError(keyPath: "", message: "cannot read the config file (\(error))")], file: path)
            }
            do {
                configuration = try parse(json: bytes)
            } catch var errors {
                errors.file = path
                throw errors
            }
        }
        configuration.apply(environment: environment)
        let problems = configuration.validate()
        if !problems.isEmpty { throw ConfigErrors(errors: problems, file: path) }
        return configuration
    }
}

extension ConfigError {
    init(decoding error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            self.init(keyPath: formatKeyPath(context.codingPath), message: "expected \(describe(type))")
        case .valueNotFound(let type, let context):
            self.init(keyPath: formatKeyPath(context.codingPath), message: "expected \(describe(type)), found null")
        case .keyNotFound(let key, let context):
            self.init(keyPath: formatKeyPath(context.codingPath + [key]), message: "required key is missing")
        case .dataCorrupted(let context):
            let message =
                context.codingPath.isEmpty
                ? "not valid JSON (\(context.debugDescription))" : "invalid value (\(context.debugDescription))"
            self.init(keyPath: formatKeyPath(context.codingPath), message: message)
        @unknown default:
            self.init(keyPath: "", message: "\(error)")
        }
    }
}

private func describe(_ type: Any.Type) -> String {
    switch type {
    case is Int.Type: "an integer"
    case is Double.Type: "a number"
    case is String.Type: "a string"
    case is Bool.Type: "true or false"
    default:
        String(describing: type).hasPrefix("Array") ? "a list" : "an object"
    }
}
