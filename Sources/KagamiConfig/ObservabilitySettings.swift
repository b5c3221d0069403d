/// Where and how long telemetry is kept.
public struct StorageSettings: Sendable, Equatable {
    /// SQLite file. Default `var/kagami.db` (relative to the working directory); `KAGAMI_DB` overrides.
    public var path: String
    /// Days of chats, spans, samples and events kept. Default 14.
    public var retentionDays: Int
    /// The file is trimmed (oldest chats first) above this size. Default 512.
    public var maxMegabytes: Int

    public init(path: String = "var/kagami.db", retentionDays: Int = 14, maxMegabytes: Int = 512) {
        self.path = path
        self.retentionDays = retentionDays
        self.maxMegabytes = maxMegabytes
    }
}

/// How prompt and reply text is masked before it is stored or exported.
/// Policies: `prefix:N`, `pii`, `hash`, `drop`, `none`.
public struct MaskingSettings: Sendable, Equatable {
    /// Policy for the user's text. Default `prefix:10` (the original system showed 10 characters).
    public var input: String
    /// Policy for the model's reply. Default `prefix:10`.
    public var output: String
    /// Environment variable holding the `hash` policy's key. Default `KAGAMI_HASH_KEY`; without it a random key
    /// is created next to the database (`<db>.key`, mode 0600).
    public var hashKeyEnv: String

    public init(input: String = "prefix:10", output: String = "prefix:10", hashKeyEnv: String = "KAGAMI_HASH_KEY") {
        self.input = input
        self.output = output
        self.hashKeyEnv = hashKeyEnv
    }
}

/// Per-route masking overrides; absent fields use the global policy.
public struct RouteMasking: Sendable, Equatable {
    public var input: String?
    public var output: String?

    public init(input: String? = nil, output: String? = nil) {
        self.input = input
        self.output = output
    }
}

/// Prices used to show what traffic costs.
public struct CostSettings: Sendable, Equatable {
    /// Cloud-equivalent prices per model, per million tokens.
    public struct ModelPrice: Sendable, Equatable {
        public var inputPerMillion: Double
        public var outputPerMillion: Double

        public init(inputPerMillion: Double, outputPerMillion: Double) {
            self.inputPerMillion = inputPerMillion
            self.outputPerMillion = outputPerMillion
        }
    }

    /// Currency of `models` prices. Default `USD`.
    public var currency: String
    /// Model name → price. Default: none (no cloud-equivalent cost).
    public var models: [String: ModelPrice]
    /// What the host costs per month, spread over request time. Default 0 (not shown).
    public var hostMonthlyPrice: Double
    /// Currency of `host_monthly_price`. Default `JPY`.
    public var hostCurrency: String

    public init(
        currency: String = "USD", models: [String: ModelPrice] = [:], hostMonthlyPrice: Double = 0,
        hostCurrency: String = "JPY"
    ) {
        self.currency = currency
        self.models = models
        self.hostMonthlyPrice = hostMonthlyPrice
        self.hostCurrency = hostCurrency
    }
}

/// Tracing and evaluation switches.
public struct ObservabilitySettings: Sendable, Equatable {
    /// Run the local evaluators on every chat. Default true.
    public var evaluations: Bool
    /// A model load at least this long marks a cold start. Default 500 ms.
    public var coldStartThresholdMs: Double
    /// Successful chats kept with full detail (evaluations, masked text, spans) per second at most, per handler
    /// process; the rest are counted in the rollups and metrics only. Failed chats and cold starts are always
    /// kept. Default 100 — far above what a local model answers, so it only matters under a flood; 0: no limit.
    public var maxTracesPerSecond: Double

    public init(evaluations: Bool = true, coldStartThresholdMs: Double = 500, maxTracesPerSecond: Double = 100) {
        self.evaluations = evaluations
        self.coldStartThresholdMs = coldStartThresholdMs
        self.maxTracesPerSecond = maxTracesPerSecond
    }

    /// Whether a request that waited `loadMs` for its model was a cold start.
    public func isColdStart(loadMs: Double?) -> Bool { (loadMs ?? 0) >= coldStartThresholdMs }
}

/// The host sampler (one per host).
public struct SamplerSettings: Sendable, Equatable {
    /// Seconds between samples. Default 5.
    public var intervalSeconds: Double
    /// Process names counted as the model runner. Default `ollama`, `llama-server`.
    public var runnerProcesses: [String]

    public init(intervalSeconds: Double = 5, runnerProcesses: [String] = ["ollama", "llama-server"]) {
        self.intervalSeconds = intervalSeconds
        self.runnerProcesses = runnerProcesses
    }
}
