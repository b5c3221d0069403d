import LLMBackends
import Telemetry

/// Everything known about one finished chat request, handed to observers after the response is complete.
///
/// It carries the raw conversation and reply **in memory only**: observers that persist or export must mask
/// first (the masking policy lives with them). Rejected requests (4xx, 429, 503) are records too, so error
/// rate and throughput stay true.
public struct ChatRecord: Sendable {
    public var requestID: String
    public var trace: TraceContext
    /// Whether the trace came from the client's `traceparent`.
    public var traceFromClient: Bool
    /// Wall clock when the request arrived, ns since the epoch.
    public var startedAtNs: UInt64
    /// Whole request as the handler saw it, ms.
    public var durationMs: Double
    public var method: String
    public var route: String
    public var status: Int
    /// Set when the request failed; `code` is short and value-free.
    public var failure: ChatFailure?
    /// Parsed request, when parsing got that far.
    public var request: ChatRequest?
    /// Backend name, provider and the model configured / actually sent.
    public var backendName: String?
    public var providerName: String?
    public var serverAddress: String?
    public var configuredModel: String?
    public var requestedModel: String?
    public var maxTokens: Int?
    /// Time spent waiting for an admission slot, ms.
    public var queueMs: Double?
    /// The backend's answer (for a failure mid-stream: what had arrived).
    public var result: ChatResult?
    /// Text sent to the client (equals `result.text` unless the stream was cut).
    public var replyText: String
    /// Whether the answer was streamed as Server-Sent Events.
    public var streamed: Bool
    /// TTFT as the handler saw it: request arrival → first token written to the client, ms.
    public var handlerTTFTMs: Double?
    public var requestBytes: Int
    public var responseBytes: Int
    /// The client went away before the answer was complete.
    public var clientDisconnected: Bool

    public init(
        requestID: String,
        trace: TraceContext,
        traceFromClient: Bool,
        startedAtNs: UInt64,
        durationMs: Double,
        method: String,
        route: String,
        status: Int,
        failure: ChatFailure? = nil,
        request: ChatRequest? = nil,
        backendName: String? = nil,
        providerName: String? = nil,
        serverAddress: String? = nil,
        configuredModel: String? = nil,
        requestedModel: String? = nil,
        maxTokens: Int? = nil,
        queueMs: Double? = nil,
        result: ChatResult? = nil,
        replyText: String,
        streamed: Bool,
        handlerTTFTMs: Double? = nil,
        requestBytes: Int,
        responseBytes: Int,
        clientDisconnected: Bool
    ) {
        self.requestID = requestID
        self.trace = trace
        self.traceFromClient = traceFromClient
        self.startedAtNs = startedAtNs
        self.durationMs = durationMs
        self.method = method
        self.route = route
        self.status = status
        self.failure = failure
        self.request = request
        self.backendName = backendName
        self.providerName = providerName
        self.serverAddress = serverAddress
        self.configuredModel = configuredModel
        self.requestedModel = requestedModel
        self.maxTokens = maxTokens
        self.queueMs = queueMs
        self.result = result
        self.replyText = replyText
        self.streamed = streamed
        self.handlerTTFTMs = handlerTTFTMs
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        self.clientDisconnected = clientDisconnected
    }
}

/// Receives every finished chat request. The seam where spans, evaluations and metrics attach.
///
/// Called on the request's thread after the response has been sent; implementations must not block
/// (hand the record to a queue).
public protocol ChatObserver: Sendable {
    func chatFinished(_ record: ChatRecord)
}

/// Writes one structured log line per request: ids, route, status, timings and sizes. Never the text.
public struct ChatLogObserver: ChatObserver {
    let log: Log

    public init(log: Log) { self.log = log }

    public func chatFinished(_ record: ChatRecord) {
        var fields: [(String, JSONValue)] = [
            ("request_id", .string(record.requestID)), ("trace_id", .string(record.trace.traceID)),
            ("method", .string(record.method)), ("route", .string(record.route)), ("status", .int(record.status)),
            ("duration_ms", .double(record.durationMs)), ("model", .string(record.requestedModel)),
            ("queue_ms", .double(record.queueMs)), ("stream", .bool(record.streamed)),
            ("request_bytes", .int(record.requestBytes)), ("response_bytes", .int(record.responseBytes)),
        ]
        if let result = record.result {
            fields += [
                ("ttft_ms", .double(record.handlerTTFTMs)), ("prompt_tokens", .int(result.promptTokens)),
                ("completion_tokens", .int(result.completionTokens)), ("done_reason", .string(result.doneReason)),
                ("load_ms", .double(result.backendTimings.loadMs)),
            ]
        }
        if let failure = record.failure {
            fields += [("error_code", .string(failure.code)), ("error", .string(failure.message))]
        }
        if record.clientDisconnected { fields.append(("client_disconnected", .bool(true))) }
        if record.status >= 500 {
            log.error("chat", fields)
        } else if record.status >= 400 {
            log.warning("chat", fields)
        } else {
            log.info("chat", fields)
        }
    }
}

/// Sends each record to several observers in turn.
public struct ChatObservers: ChatObserver {
    let observers: [any ChatObserver]

    public init(_ observers: [any ChatObserver]) { self.observers = observers }

    public func chatFinished(_ record: ChatRecord) {
        for observer in observers { observer.chatFinished(record) }
    }
}
