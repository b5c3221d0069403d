/// One turn of a conversation, as every backend API spells it.
public struct ChatMessage: Codable, Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// What to ask a backend for.
public struct BackendChatRequest: Sendable {
    public var model: String
    public var messages: [ChatMessage]
    /// Largest number of tokens to generate (`num_predict` for Ollama, `max_tokens` for OpenAI-style servers).
    public var maxTokens: Int?
    public var temperature: Double?
    /// Ask the backend to stream (NDJSON / SSE). Kagami streams by default: it measures TTFT and can abort.
    public var stream: Bool
    /// Ollama's `keep_alive` ("5m", "1h", "-1"); ignored by OpenAI-compatible servers.
    public var keepAlive: String?
    /// Limits for this call (the route's); `nil` uses the client's defaults.
    public var totalTimeoutMs: Int?
    public var idleTimeoutMs: Int?

    public init(
        model: String, messages: [ChatMessage], maxTokens: Int? = nil, temperature: Double? = nil,
        stream: Bool = true, keepAlive: String? = nil, totalTimeoutMs: Int? = nil, idleTimeoutMs: Int? = nil
    ) {
        self.totalTimeoutMs = totalTimeoutMs
        self.idleTimeoutMs = idleTimeoutMs
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stream = stream
        self.keepAlive = keepAlive
    }
}

/// The backend's own account of where its time went, in milliseconds. Absent fields were not reported
/// (or were nonsense, such as negative durations).
public struct BackendTimings: Sendable, Equatable {
    /// Loading the model into memory: the cold-start cost (Ollama `load_duration`).
    public var loadMs: Double?
    /// Evaluating the prompt (Ollama `prompt_eval_duration`, llama-server `timings.prompt_ms`).
    public var promptEvalMs: Double?
    /// Generating the reply (Ollama `eval_duration`, llama-server `timings.predicted_ms`).
    public var generationMs: Double?
    /// Everything the backend counted (Ollama `total_duration`).
    public var totalMs: Double?
    /// Prompt tokens served from the backend's cache (llama-server `timings.cache_n`).
    public var cachedPromptTokens: Int?

    public init(
        loadMs: Double? = nil, promptEvalMs: Double? = nil, generationMs: Double? = nil, totalMs: Double? = nil,
        cachedPromptTokens: Int? = nil
    ) {
        self.loadMs = loadMs
        self.promptEvalMs = promptEvalMs
        self.generationMs = generationMs
        self.totalMs = totalMs
        self.cachedPromptTokens = cachedPromptTokens
    }
}

/// One finished chat, normalized across backends.
public struct ChatResult: Sendable, Equatable {
    public var text: String
    /// The model the backend says answered.
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// `stop`, `length`, `unload`, … as the backend said it.
    public var doneReason: String?
    public var backendTimings: BackendTimings
    /// Time to first token as seen by Kagami (request sent → first non-empty text received), ms.
    public var ttftMs: Double?
    /// Whole exchange as seen by Kagami, ms.
    public var durationMs: Double
    /// Connect / first byte / total of the HTTP exchange.
    public var connectMs: Double
    public var firstByteMs: Double

    public init(
        text: String = "", model: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil,
        doneReason: String? = nil, backendTimings: BackendTimings = BackendTimings(), ttftMs: Double? = nil,
        durationMs: Double = 0, connectMs: Double = 0, firstByteMs: Double = 0
    ) {
        self.text = text
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.doneReason = doneReason
        self.backendTimings = backendTimings
        self.ttftMs = ttftMs
        self.durationMs = durationMs
        self.connectMs = connectMs
        self.firstByteMs = firstByteMs
    }

    /// Generated tokens per second, from the backend's generation time when known.
    public var tokensPerSecond: Double? {
        guard let tokens = completionTokens, tokens > 0 else { return nil }
        if let generation = backendTimings.generationMs, generation > 0 { return Double(tokens) / generation * 1000 }
        guard let ttft = ttftMs, durationMs > ttft else { return nil }
        return Double(tokens) / (durationMs - ttft) * 1000
    }
}

/// A model a backend has installed (`/api/tags`, `/v1/models`).
public struct ModelInfo: Sendable, Equatable {
    public var name: String
    public var sizeBytes: Int64?

    public init(name: String, sizeBytes: Int64? = nil) {
        self.name = name
        self.sizeBytes = sizeBytes
    }
}

/// A model resident in memory (Ollama `/api/ps`).
public struct LoadedModel: Sendable, Equatable {
    public var name: String
    public var sizeBytes: Int64?
    public var vramBytes: Int64?
    /// When the backend will unload it (RFC 3339 as sent).
    public var expiresAt: String?

    public init(name: String, sizeBytes: Int64? = nil, vramBytes: Int64? = nil, expiresAt: String? = nil) {
        self.name = name
        self.sizeBytes = sizeBytes
        self.vramBytes = vramBytes
        self.expiresAt = expiresAt
    }
}
