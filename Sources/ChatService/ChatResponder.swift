import FastCGI
import KagamiConfig
import LLMBackends
import Telemetry

/// One configured backend with what guards it: its admission gate and its model resolver.
public struct BackendBinding: Sendable {
    public let name: String
    public let settings: BackendSettings
    public let client: any LLMBackend
    public let gate: AdmissionGate
    public let resolver: ModelResolver

    public init(name: String, settings: BackendSettings, client: any LLMBackend, resolver: ModelResolver) {
        self.name = name
        self.settings = settings
        self.client = client
        self.gate = AdmissionGate(maxConcurrency: settings.maxConcurrency, maxQueue: settings.maxQueue)
        self.resolver = resolver
    }
}

/// Answers chat requests on the configured routes: validate → resolve route and model → admission →
/// backend call (streaming) → SSE events or one JSON reply → a ``ChatRecord`` for the observers.
public final class ChatResponder: Responder {
    private let configuration: KagamiConfiguration
    private let backends: [String: BackendBinding]
    private let parser: ChatRequestParser
    private let observer: any ChatObserver

    public init(configuration: KagamiConfiguration, backends: [String: BackendBinding], observer: any ChatObserver) {
        self.configuration = configuration
        self.backends = backends
        self.parser = ChatRequestParser(limits: configuration.limits)
        self.observer = observer
    }

    public func respond(to request: HTTPRequest, writer: any ResponseWriter) {
        let started = monotonicMilliseconds()
        let traceFromClient = TraceContext(
            traceparent: request.header("traceparent"), tracestate: request.header("tracestate"))
        var record = ChatRecord(
            requestID: requestID(for: request), trace: traceFromClient ?? .random(),
            traceFromClient: traceFromClient != nil, startedAtNs: wallClockNanoseconds(), durationMs: 0,
            method: request.method, route: request.path, status: 0, replyText: "", streamed: false,
            requestBytes: request.body.count, responseBytes: 0, clientDisconnected: false)
        do {
            try serve(request, writer: writer, record: &record, started: started)
        } catch {
            record.failure = error
            record.status = error.status
            if !writer.hasStarted {
                record.responseBytes = sendError(error, writer: writer, requestID: record.requestID)
            }
        }
        record.durationMs = monotonicMilliseconds() - started
        observer.chatFinished(record)
    }

    private func serve(
        _ request: HTTPRequest, writer: any ResponseWriter, record: inout ChatRecord, started: Double
    ) throws(ChatFailure) {
        guard let route = configuration.route(at: request.path) else {
            let known = configuration.routes.map(\.path).joined(separator: ", ")
            throw ChatFailure(
                status: 404, code: "unknown_route", message: "no chat route at \(request.path) (routes: \(known))")
        }
        let chat = try parser.parse(request, route: route)
        record.request = chat
        record.streamed = chat.stream
        guard let binding = backends[route.backend] else {
            throw ChatFailure(status: 500, code: "config", message: "route \(route.path) names an unknown backend")
        }
        record.backendName = binding.name
        record.providerName = binding.client.providerName
        record.serverAddress = binding.client.baseURL
        record.configuredModel = route.model
        let model = try binding.resolver.resolve(route)
        record.requestedModel = model
        record.maxTokens = chat.maxTokens ?? route.maxTokens

        let queueMs: Double
        do {
            queueMs = try binding.gate.acquire(timeoutMs: binding.settings.queueTimeoutMs)
        } catch {
            switch error {
            case .queueFull:
                throw ChatFailure(
                    status: 503, code: "queue_full",
                    message: "the model is busy with other requests and the queue is full; try again shortly",
                    headers: [("Retry-After", "2")])
            case .timedOut(let waited):
                record.queueMs = waited
                throw ChatFailure(
                    status: 503, code: "queue_timeout",
                    message: "waited \(Int(waited / 1000)) s for the model without getting a turn; try again shortly",
                    headers: [("Retry-After", "5")])
            }
        }
        defer { binding.gate.release() }
        record.queueMs = queueMs

        let backendRequest = BackendChatRequest(
            model: model, messages: chat.messages, maxTokens: chat.maxTokens ?? route.maxTokens,
            temperature: chat.temperature ?? route.temperature, stream: true, keepAlive: binding.settings.keepAlive,
            totalTimeoutMs: route.timeoutMs, idleTimeoutMs: route.idleTimeoutMs)
        let stream = SSEStream(writer: writer, requestID: record.requestID, streaming: chat.stream)
        do {
            let result = try binding.client.chat(
                backendRequest, onToken: { text in stream.send(token: text, startedAt: started) },
                shouldContinue: { writer.isClientConnected })
            record.result = result
            record.replyText = result.text
            record.handlerTTFTMs = stream.firstTokenAtMs
            record.status = 200
            let metrics = metricsJSON(record: record, result: result, started: started)
            stream.finish(reply: result.text, metricsFields: metrics)
        } catch {
            record.replyText = stream.sentText
            record.handlerTTFTMs = stream.firstTokenAtMs
            if case .cancelled = error, stream.clientGone || !writer.isClientConnected {
                record.clientDisconnected = true
                record.status = 499
                record.failure = ChatFailure(status: 499, code: "client_closed", message: "the client disconnected")
                return
            }
            let failure = ChatFailure(error, backend: binding.name)
            if stream.started {
                // Headers (200) are gone; the client learns of the failure in-band.
                record.status = 200
                record.failure = failure
                stream.fail(failure)
                return
            }
            throw failure
        }
        record.responseBytes = stream.bytesWritten
        record.clientDisconnected = stream.clientGone
    }

    /// The metrics every successful answer reports, in the SSE `done` event and the JSON body.
    private func metricsJSON(record: ChatRecord, result: ChatResult, started: Double) -> [(String, JSONValue)] {
        let loadMs = result.backendTimings.loadMs
        return [
            ("model", .string(result.model ?? record.requestedModel)), ("route", .string(record.route)),
            ("done_reason", .string(result.doneReason)), ("eval_count", .int(result.completionTokens)),
            ("prompt_eval_count", .int(result.promptTokens)),
            ("duration_ms", .double(monotonicMilliseconds() - started)),
            ("ttft_ms", .double(record.handlerTTFTMs)), ("backend_ttft_ms", .double(result.ttftMs)),
            ("tokens_per_second", .double(result.tokensPerSecond)), ("queue_ms", .double(record.queueMs)),
            ("load_ms", .double(loadMs)), ("prompt_eval_ms", .double(result.backendTimings.promptEvalMs)),
            ("generation_ms", .double(result.backendTimings.generationMs)),
            ("cold_start", .bool(configuration.observability.isColdStart(loadMs: loadMs))),
            ("request_id", .string(record.requestID)), ("trace_id", .string(record.trace.traceID)),
        ]
    }

    /// nginx's `$request_id` when passed as `REQUEST_ID`, else a fresh one.
    private func requestID(for request: HTTPRequest) -> String {
        if let id = request.params["REQUEST_ID"], (8...64).contains(id.utf8.count),
            id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        {
            return id
        }
        return randomHex(bytes: 16)
    }

    @discardableResult
    private func sendError(_ failure: ChatFailure, writer: any ResponseWriter, requestID: String) -> Int {
        let body = failure.json
        try? writer.start(
            status: failure.status,
            headers: [
                ("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("X-Request-Id", requestID),
                ("Content-Length", String(body.utf8.count)),
            ] + failure.headers)
        try? writer.write(body)
        return body.utf8.count
    }
}

/// Writes an answer either as Server-Sent Events, one event per token, or as one JSON object at the end.
/// Headers are sent with the first token, so failures before it still get a proper HTTP status.
final class SSEStream {
    private let writer: any ResponseWriter
    private let requestID: String
    private let streaming: Bool
    private(set) var started = false
    private(set) var clientGone = false
    private(set) var firstTokenAtMs: Double?
    private(set) var sentText = ""
    private(set) var bytesWritten = 0

    init(writer: any ResponseWriter, requestID: String, streaming: Bool) {
        self.writer = writer
        self.requestID = requestID
        self.streaming = streaming
    }

    /// Sends one text delta; `false` when the client is gone (which aborts the backend transfer).
    func send(token: String, startedAt: Double) -> Bool {
        if firstTokenAtMs == nil { firstTokenAtMs = monotonicMilliseconds() - startedAt }
        sentText += token
        guard streaming else { return writer.isClientConnected }
        return emit(event: "token", data: JSONText.object([("text", .string(token))]))
    }

    func finish(reply: String, metricsFields: [(String, JSONValue)]) {
        if streaming {
            _ = emit(event: "done", data: JSONText.object(metricsFields))
        } else {
            let body = JSONText.object([("reply", .string(reply))] + metricsFields)
            try? writer.start(
                status: 200,
                headers: [
                    ("Content-Type", "application/json"), ("Cache-Control", "no-store"), ("X-Request-Id", requestID),
                    ("Content-Length", String(body.utf8.count)),
                ])
            started = true
            write(body)
        }
    }

    func fail(_ failure: ChatFailure) {
        _ = emit(event: "error", data: failure.json)
    }

    private func emit(event: String, data: String) -> Bool {
        if clientGone { return false }
        if !started {
            started = true
            do {
                try writer.start(
                    status: 200,
                    headers: [
                        ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache"),
                        ("X-Accel-Buffering", "no"), ("X-Request-Id", requestID),
                    ])
            } catch {
                clientGone = true
                return false
            }
        }
        write("event: \(event)\ndata: \(data)\n\n")
        if !clientGone {
            do { try writer.flush() } catch { clientGone = true }
        }
        return !clientGone
    }

    private func write(_ text: String) {
        do {
            try writer.write(text)
            bytesWritten += text.utf8.count
        } catch {
            clientGone = true
        }
    }
}
