import Telemetry

/// One chat request as stored: the row the trace list and the rollups are made of. Text fields hold
/// **masked** text only; the raw conversation never reaches this type.
public struct ChatSummary: Sendable, Equatable {
    public var traceID: String
    public var requestID: String
    public var startNs: UInt64
    public var durationMs: Double
    public var route: String
    public var model: String?
    public var provider: String?
    public var status: Int
    public var errorCode: String?
    public var errorMessage: String?
    public var sessionID: String?
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var ttftMs: Double?
    public var tokensPerSecond: Double?
    public var queueMs: Double?
    public var loadMs: Double?
    public var promptEvalMs: Double?
    public var generationMs: Double?
    public var coldStart: Bool
    /// What the same tokens would cost on the configured cloud prices.
    public var cost: Double?
    /// The host's price spread over the request's time.
    public var hostCost: Double?
    public var inputMasked: String?
    public var outputMasked: String?
    public var streamed: Bool
    public var clientDisconnected: Bool

    public init(
        traceID: String, requestID: String, startNs: UInt64, durationMs: Double, route: String, model: String? = nil,
        provider: String? = nil, status: Int, errorCode: String? = nil, errorMessage: String? = nil,
        sessionID: String? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil, ttftMs: Double? = nil,
        tokensPerSecond: Double? = nil, queueMs: Double? = nil, loadMs: Double? = nil, promptEvalMs: Double? = nil,
        generationMs: Double? = nil, coldStart: Bool = false, cost: Double? = nil, hostCost: Double? = nil,
        inputMasked: String? = nil, outputMasked: String? = nil, streamed: Bool = false,
        clientDisconnected: Bool = false
    ) {
        self.traceID = traceID
        self.requestID = requestID
        self.startNs = startNs
        self.durationMs = durationMs
        self.route = route
        self.model = model
        self.provider = provider
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.sessionID = sessionID
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.ttftMs = ttftMs
        self.tokensPerSecond = tokensPerSecond
        self.queueMs = queueMs
        self.loadMs = loadMs
        self.promptEvalMs = promptEvalMs
        self.generationMs = generationMs
        self.coldStart = coldStart
        self.cost = cost
        self.hostCost = hostCost
        self.inputMasked = inputMasked
        self.outputMasked = outputMasked
        self.streamed = streamed
        self.clientDisconnected = clientDisconnected
    }

    /// A request that failed (any 4xx/5xx, or an error after streaming began).
    public var isError: Bool { status >= 400 || errorCode != nil }
}

/// One evaluator's verdict on one chat.
public struct StoredEvaluation: Sendable, Equatable {
    public var name: String
    public var label: String
    public var score: Double
    public var reason: String

    public init(name: String, label: String, score: Double, reason: String) {
        self.name = name
        self.label = label
        self.score = score
        self.reason = reason
    }
}

/// Everything recorded for one chat: its summary, its spans and its evaluations.
public struct ChatTrace: Sendable, Equatable {
    public var summary: ChatSummary
    public var spans: [Span]
    public var evaluations: [StoredEvaluation]
    /// Reduced to its counts (the pipeline was behind): the per-minute rollup and the metrics count it, but the
    /// store keeps a `chats` row only if it failed — the errors stay listed, the successes are only counted.
    public var countsOnly: Bool

    public init(summary: ChatSummary, spans: [Span], evaluations: [StoredEvaluation], countsOnly: Bool = false) {
        self.summary = summary
        self.spans = spans
        self.evaluations = evaluations
        self.countsOnly = countsOnly
    }
}

/// Host CPU and memory at one moment.
public struct HostSample: Sendable, Equatable {
    public var timeNs: UInt64
    /// Busy share of all cores, 0…100.
    public var cpuPercent: Double
    public var memoryUsedBytes: Int64
    public var memoryTotalBytes: Int64
    public var load1: Double

    public init(timeNs: UInt64, cpuPercent: Double, memoryUsedBytes: Int64, memoryTotalBytes: Int64, load1: Double) {
        self.timeNs = timeNs
        self.cpuPercent = cpuPercent
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryTotalBytes = memoryTotalBytes
        self.load1 = load1
    }
}

/// One process's CPU and memory at one moment.
public struct ProcessSample: Sendable, Equatable {
    public var timeNs: UInt64
    public var pid: Int
    public var name: String
    /// `runner` (the model server), `kagami` (our processes) or `other`.
    public var role: String
    /// Share of one core, 0…100 × cores.
    public var cpuPercent: Double
    public var rssBytes: Int64

    public init(timeNs: UInt64, pid: Int, name: String, role: String, cpuPercent: Double, rssBytes: Int64) {
        self.timeNs = timeNs
        self.pid = pid
        self.name = name
        self.role = role
        self.cpuPercent = cpuPercent
        self.rssBytes = rssBytes
    }
}

/// Which models a backend had resident at one moment (Ollama `/api/ps`).
public struct ResidencySample: Sendable, Equatable {
    public var timeNs: UInt64
    public var backend: String
    public var model: String
    public var sizeBytes: Int64?
    public var vramBytes: Int64?
    public var expiresAt: String?

    public init(
        timeNs: UInt64, backend: String, model: String, sizeBytes: Int64?, vramBytes: Int64?, expiresAt: String?
    ) {
        self.timeNs = timeNs
        self.backend = backend
        self.model = model
        self.sizeBytes = sizeBytes
        self.vramBytes = vramBytes
        self.expiresAt = expiresAt
    }
}

/// Anything the writer thread stores.
public enum StoreItem: Sendable {
    case chat(ChatTrace)
    case host(HostSample)
    case processes([ProcessSample])
    case residency(timeNs: UInt64, backend: String, models: [ResidencySample])
    /// Browser events from one beacon (RUMBeacon).
    case rum([RUMEvent])

    /// What an item weighs in the store's queue: ``fullWeight`` for most, 1 for a counts-only chat (no spans,
    /// evaluations or text: a few hundred bytes, one rollup increment for the writer), 1 per two RUM events (a
    /// usual beacon of 8 is a few KB: a quarter of a chat).
    var weight: Int {
        switch self {
        case .chat(let trace) where trace.countsOnly: 1
        case .rum(let events): min(Self.fullWeight, max(1, events.count / 2))
        default: Self.fullWeight
        }
    }

    /// The weight of a full-size item; the queue holds `queueCapacity` of those.
    static let fullWeight = 16
}
