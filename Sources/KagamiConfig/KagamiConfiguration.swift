/// Kagami's one configuration file: routes, backends, limits and handler settings.
///
/// Every key is optional in the file; defaults reproduce the original system's mapping
/// (`/chat` → `tinyllama:latest`, `/granite` → `granite3.2:2b`, both on Ollama). See README "Configuration".
public struct KagamiConfiguration: Sendable, Equatable {
    public var site: SiteSettings
    /// Model servers by name. Routes refer to them by that name.
    public var backends: [String: BackendSettings]
    /// Chat routes, each served at its own path.
    public var routes: [RouteSettings]
    public var limits: RequestLimits
    public var handler: HandlerSettings
    public var nginx: NginxSettings
    public var storage: StorageSettings
    public var masking: MaskingSettings
    public var cost: CostSettings
    public var observability: ObservabilitySettings
    public var sampler: SamplerSettings
    /// OTLP, Datadog and Prometheus exporters.
    public var exporters: ExporterSettings
    /// The RUM script and the beacon handler.
    public var rum: RUMSettings
    /// The dashboard and its query API.
    public var dashboard: DashboardSettings

    public init(
        site: SiteSettings = SiteSettings(), backends: [String: BackendSettings] = ["default": BackendSettings()],
        routes: [RouteSettings] = RouteSettings.defaults, limits: RequestLimits = RequestLimits(),
        handler: HandlerSettings = HandlerSettings(), nginx: NginxSettings = NginxSettings(),
        storage: StorageSettings = StorageSettings(), masking: MaskingSettings = MaskingSettings(),
        cost: CostSettings = CostSettings(), observability: ObservabilitySettings = ObservabilitySettings(),
        sampler: SamplerSettings = SamplerSettings(), exporters: ExporterSettings = ExporterSettings(),
        rum: RUMSettings = RUMSettings(), dashboard: DashboardSettings = DashboardSettings()
    ) {
        self.rum = rum
        self.dashboard = dashboard
        self.exporters = exporters
        self.nginx = nginx
        self.storage = storage
        self.masking = masking
        self.cost = cost
        self.observability = observability
        self.sampler = sampler
        self.site = site
        self.backends = backends
        self.routes = routes
        self.limits = limits
        self.handler = handler
    }

    /// The route served at `path`, if any.
    public func route(at path: String) -> RouteSettings? { routes.first { $0.path == path } }
}

/// What the page says about itself.
public struct SiteSettings: Sendable, Equatable {
    /// Page title. Default "Kagami".
    public var title: String
    /// UI language: `auto` (from the browser), `en` or `ja`. Default `auto`.
    public var language: String

    public init(title: String = "Kagami", language: String = "auto") {
        self.title = title
        self.language = language
    }
}

/// The API a backend speaks.
public enum BackendType: String, Sendable, Equatable, CaseIterable {
    /// Ollama's native `/api/chat`.
    case ollama
    /// `/v1/chat/completions` (llama-server, vLLM, LM Studio, Ollama's `/v1`).
    case openai
}

/// One model server and how hard Kagami may push it.
public struct BackendSettings: Sendable, Equatable {
    public var type: BackendType
    /// Base URL. Default for Ollama: `OLLAMA_HOST` or `http://127.0.0.1:11434`.
    public var url: String?
    /// Name for spans (`gen_ai.provider.name`). Default: `ollama`, or `llama.cpp` for `openai`.
    public var provider: String?
    /// Requests sent to this backend at once; more wait in the queue. Default 2 (a small CPU runs one or two
    /// generations well; more only slows each).
    public var maxConcurrency: Int
    /// Requests allowed to wait; beyond that Kagami answers 503 with `Retry-After`. Default 32.
    public var maxQueue: Int
    /// Longest wait in the queue before 503. Default 60 000 ms.
    public var queueTimeoutMs: Int
    /// Default 2 000 ms.
    public var connectTimeoutMs: Int
    /// Ollama `keep_alive` sent with each chat ("5m", "1h", "-1"). Default: not sent (Ollama's own 5 minutes).
    public var keepAlive: String?
    /// Environment variable holding a bearer token for OpenAI-compatible servers. Default: none.
    public var apiKeyEnv: String?

    public init(
        type: BackendType = .ollama, url: String? = nil, provider: String? = nil, maxConcurrency: Int = 2,
        maxQueue: Int = 32, queueTimeoutMs: Int = 60_000, connectTimeoutMs: Int = 2_000, keepAlive: String? = nil,
        apiKeyEnv: String? = nil
    ) {
        self.type = type
        self.url = url
        self.provider = provider
        self.maxConcurrency = maxConcurrency
        self.maxQueue = maxQueue
        self.queueTimeoutMs = queueTimeoutMs
        self.connectTimeoutMs = connectTimeoutMs
        self.keepAlive = keepAlive
        self.apiKeyEnv = apiKeyEnv
    }

    /// The provider name spans use.
    public var providerName: String { provider ?? (type == .ollama ? "ollama" : "llama.cpp") }
}

/// What to do when a route's model is not installed on its backend.
public enum MissingModelPolicy: String, Sendable, Equatable, CaseIterable {
    /// Answer with a model the backend does serve, and log the substitution once. Handy for `make run`
    /// against whatever model is at hand.
    case useServed = "use_served"
    /// Answer 404 `model_not_found`.
    case fail
}

/// One chat route: a path, the model behind it and its limits.
public struct RouteSettings: Sendable, Equatable {
    /// Clean absolute path, e.g. `/chat`.
    public var path: String
    public var model: String
    /// Name of an entry in `backends`. Default `default`.
    public var backend: String
    /// Label in the model picker. Default: the model name.
    public var label: String?
    /// Tokens to generate at most (Ollama `num_predict`). Default 256.
    public var maxTokens: Int
    /// Sampling temperature; default: the backend's.
    public var temperature: Double?
    /// Whole request, queue excluded. Default 120 000 ms.
    public var timeoutMs: Int
    /// Longest silence from the backend mid-answer (a cold model load counts). Default 60 000 ms.
    public var idleTimeoutMs: Int
    /// Default `use_served`.
    public var onMissingModel: MissingModelPolicy
    /// Overrides of the global masking policies for this route.
    public var masking: RouteMasking

    public init(
        path: String, model: String, backend: String = "default", label: String? = nil, maxTokens: Int = 256,
        temperature: Double? = nil, timeoutMs: Int = 120_000, idleTimeoutMs: Int = 60_000,
        onMissingModel: MissingModelPolicy = .useServed, masking: RouteMasking = RouteMasking()
    ) {
        self.masking = masking
        self.path = path
        self.model = model
        self.backend = backend
        self.label = label
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.timeoutMs = timeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.onMissingModel = onMissingModel
    }

    /// The original system's two routes.
    public static let defaults = [
        RouteSettings(path: "/chat", model: "tinyllama:latest", label: "TinyLlama"),
        RouteSettings(path: "/granite", model: "granite3.2:2b", label: "Granite 3.2 2B"),
    ]
}

/// Bounds on what a client may send.
public struct RequestLimits: Sendable, Equatable {
    /// Largest request body. Default 65 536 bytes (match nginx `client_max_body_size`).
    public var maxBodyBytes: Int
    /// Longest single message, in characters. Default 8 000.
    public var maxMessageChars: Int
    /// Most messages in one conversation. Default 64.
    public var maxMessages: Int

    public init(maxBodyBytes: Int = 65_536, maxMessageChars: Int = 8_000, maxMessages: Int = 64) {
        self.maxBodyBytes = maxBodyBytes
        self.maxMessageChars = maxMessageChars
        self.maxMessages = maxMessages
    }
}

/// How the FastCGI handlers run.
public struct HandlerSettings: Sendable, Equatable {
    /// Worker threads per handler; keep above nginx's upstream connections. Default 64.
    public var threads: Int
    /// How long SIGTERM waits for in-flight chats. Default 30 s.
    public var drainSeconds: Int
    /// How often the served-model list is refreshed. Default 30 s.
    public var modelRefreshSeconds: Int

    public init(threads: Int = 64, drainSeconds: Int = 30, modelRefreshSeconds: Int = 30) {
        self.threads = threads
        self.drainSeconds = drainSeconds
        self.modelRefreshSeconds = modelRefreshSeconds
    }
}

/// What the generated nginx configuration contains.
public struct NginxSettings: Sendable, Equatable {
    /// Unix socket of ChatHandler. Default `/run/kagami/chat.sock` (the systemd unit's path).
    public var chatSocket: String
    /// Unix socket of RUMBeacon. Default `/run/kagami/rum.sock`.
    public var rumSocket: String
    /// Chat requests per minute per client address; `0` turns rate limiting off. Default 60.
    public var chatRatePerMinute: Int
    /// Requests a client may send above the rate before getting 429. Default 20.
    public var chatBurst: Int
    /// Idle kept-alive connections per nginx worker to each handler. Default 8 (keep threads above
    /// workers × this, see the handler's `threads`).
    public var upstreamKeepalive: Int

    public init(
        chatSocket: String = "/run/kagami/chat.sock", rumSocket: String = "/run/kagami/rum.sock",
        chatRatePerMinute: Int = 60, chatBurst: Int = 20, upstreamKeepalive: Int = 8
    ) {
        self.chatSocket = chatSocket
        self.rumSocket = rumSocket
        self.chatRatePerMinute = chatRatePerMinute
        self.chatBurst = chatBurst
        self.upstreamKeepalive = upstreamKeepalive
    }
}
