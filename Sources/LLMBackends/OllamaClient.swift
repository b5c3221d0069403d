import FoundationEssentials
import HTTPClient
import Telemetry

/// Talks to Ollama's native API: `/api/chat` (NDJSON streaming or one object), `/api/tags`, `/api/ps`.
///
/// Our `maxTokens` becomes `options.num_predict`: Ollama silently ignores a `max_tokens` key, which is how the
/// original system's limit of 40 tokens never applied.
public struct OllamaClient: LLMBackend {
    public let baseURL: String
    public var providerName: String { "ollama" }
    let http: HTTPClient
    let timeouts: HTTPTimeouts

    /// `timeouts.totalMs`/`idleMs` bound each chat; listing calls use the connect timeout and 5 s.
    public init(baseURL: String, http: HTTPClient, timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.baseURL = baseURL
        self.http = http
        self.timeouts = timeouts
    }

    public func chat(
        _ request: BackendChatRequest, onToken: @escaping (String) -> Bool, shouldContinue: @escaping () -> Bool
    ) throws(BackendError) -> ChatResult {
        try ChatCall(
            http: http, url: join(baseURL, OllamaWire().chatPath), format: OllamaWire(),
            connectTimeoutMs: timeouts.connectMs, totalTimeoutMs: timeouts.totalMs, idleTimeoutMs: timeouts.idleMs
        ).run(request, onToken: onToken, shouldContinue: shouldContinue)
    }

    public func listModels() throws(BackendError) -> [ModelInfo] {
        struct Tags: Decodable {
            struct Model: Decodable {
                let name: String
                let size: Int64?
            }
            let models: [Model]?
        }
        let tags = try getJSON(Tags.self, path: "/api/tags")
        return (tags.models ?? []).map { ModelInfo(name: $0.name, sizeBytes: $0.size) }
    }

    public func loadedModels() throws(BackendError) -> [LoadedModel]? {
        struct PS: Decodable {
            struct Model: Decodable {
                let name: String
                let size: Int64?
                let size_vram: Int64?
                let expires_at: String?
            }
            let models: [Model]?
        }
        let ps = try getJSON(PS.self, path: "/api/ps")
        return (ps.models ?? []).map {
            LoadedModel(name: $0.name, sizeBytes: $0.size, vramBytes: $0.size_vram, expiresAt: $0.expires_at)
        }
    }

    private func getJSON<T: Decodable>(_ type: T.Type, path: String) throws(BackendError) -> T {
        try fetchJSON(type, http: http, url: join(baseURL, path), connectMs: timeouts.connectMs)
    }
}

/// GETs a small JSON document, mapping every failure to a ``BackendError``.
func fetchJSON<T: Decodable>(_ type: T.Type, http: HTTPClient, url: String, connectMs: Int) throws(BackendError) -> T {
    let head: HTTPResponseHead
    let body: [UInt8]
    do {
        (head, body) = try http.fetch(
            HTTPExchange(url: url, timeouts: HTTPTimeouts(connectMs: connectMs, totalMs: 5_000, idleMs: 5_000)))
    } catch {
        throw BackendError(error, receivedAnything: false)
    }
    guard (200..<300).contains(head.status) else {
        throw .backendStatus(status: head.status, message: errorMessage(from: body))
    }
    return try decodeJSON(T.self, from: body)
}

/// Ollama's `/api/chat` wire format.
struct OllamaWire: ChatWireFormat {
    var chatPath: String { "/api/chat" }

    /// One object of an answer (a streamed line, or the whole non-streamed answer).
    struct Chunk {
        var model: String?
        var content: String?
        var done: Bool?
        var doneReason: String?
        var totalDuration: Double?
        var loadDuration: Double?
        var promptEvalCount: Int?
        var promptEvalDuration: Double?
        var evalCount: Int?
        var evalDuration: Double?
        var error: String?

        init(_ json: JSONTree) throws(BackendError) {
            guard case .object = json else { throw .malformed("expected a JSON object, got \(json.typeName)") }
            model = try json.field("model") { $0.string }
            if let message = json["message"], message != .null {
                guard case .object = message else { throw .malformed("\"message\" is \(message.typeName)") }
                content = try message.field("content") { $0.string }
            }
            done = try json.field("done") { $0.bool }
            doneReason = try json.field("done_reason") { $0.string }
            totalDuration = try json.field("total_duration") { $0.number }
            loadDuration = try json.field("load_duration") { $0.number }
            promptEvalCount = try json.field("prompt_eval_count") { $0.int }
            promptEvalDuration = try json.field("prompt_eval_duration") { $0.number }
            evalCount = try json.field("eval_count") { $0.int }
            evalDuration = try json.field("eval_duration") { $0.number }
            error = try json.field("error") { $0.string }
        }
    }

    func encode(_ request: BackendChatRequest) throws(BackendError) -> [UInt8] {
        let options =
            request.maxTokens == nil && request.temperature == nil
            ? nil
            : JSONText.object([
                ("num_predict", .int(request.maxTokens)),
                ("temperature", .raw(request.temperature.map(JSONText.number))),
            ])
        // `keep_alive` is a number of seconds or a duration string ("5m"): numbers go as numbers.
        let keepAlive = request.keepAlive.map { Int($0).map(String.init) ?? JSONText.quote($0) }
        // Keys sorted, as before with JSONEncoder: stable bytes for tests and logs.
        let body = JSONText.object([
            ("keep_alive", .raw(keepAlive)), ("messages", .raw(encodeMessages(request.messages))),
            ("model", .string(request.model)), ("options", .raw(options)), ("stream", .bool(request.stream)),
        ])
        return Array(body.utf8)
    }

    func parseStreamLine(_ line: ArraySlice<UInt8>, into result: inout ChatResult) throws(BackendError) -> StreamLine {
        if line.allSatisfy({ $0 == 32 || $0 == 9 }) { return .nothing }
        let chunk = try Chunk(parseJSON(line))
        return try fold(chunk, into: &result)
    }

    func parseWholeBody(_ body: [UInt8], into result: inout ChatResult) throws(BackendError) {
        let chunk = try Chunk(parseJSON(body[...]))
        guard case .finished(let text) = try fold(chunk, into: &result) else {
            throw .malformed("the answer has no \"done\": true")
        }
        result.text = text
    }

    private func fold(_ chunk: Chunk, into result: inout ChatResult) throws(BackendError) -> StreamLine {
        if let error = chunk.error { throw .backendStatus(status: 200, message: error) }
        if let model = chunk.model { result.model = model }
        guard chunk.done == true else { return .token(chunk.content ?? "") }
        result.doneReason = chunk.doneReason
        result.promptTokens = sanitizedCount(chunk.promptEvalCount)
        result.completionTokens = sanitizedCount(chunk.evalCount)
        result.backendTimings = BackendTimings(
            loadMs: sanitizedMs(chunk.loadDuration, scale: 1e-6),
            promptEvalMs: sanitizedMs(chunk.promptEvalDuration, scale: 1e-6),
            generationMs: sanitizedMs(chunk.evalDuration, scale: 1e-6),
            totalMs: sanitizedMs(chunk.totalDuration, scale: 1e-6))
        // The final object may still carry text (non-streamed answers carry all of it).
        return .finished(chunk.content ?? "")
    }
}
