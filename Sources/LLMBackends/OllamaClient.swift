import FoundationEssentials
import HTTPClient

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

    private struct Body: Encodable {
        struct Options: Encodable {
            let num_predict: Int?
            let temperature: Double?
        }
        let model: String
        let messages: [ChatMessage]
        let stream: Bool
        let options: Options?
        let keep_alive: KeepAlive?
    }

    /// `keep_alive` is a number of seconds or a duration string ("5m"); send numbers as numbers.
    private enum KeepAlive: Encodable {
        case seconds(Int)
        case duration(String)
        init(_ text: String) { self = Int(text).map(KeepAlive.seconds) ?? .duration(text) }
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .seconds(let value): try container.encode(value)
            case .duration(let value): try container.encode(value)
            }
        }
    }

    struct Chunk: Decodable {
        struct Message: Decodable { let content: String? }
        let model: String?
        let message: Message?
        let done: Bool?
        let done_reason: String?
        let total_duration: Double?
        let load_duration: Double?
        let prompt_eval_count: Int?
        let prompt_eval_duration: Double?
        let eval_count: Int?
        let eval_duration: Double?
        let error: String?
    }

    func encode(_ request: BackendChatRequest) throws(BackendError) -> [UInt8] {
        let options =
            request.maxTokens == nil && request.temperature == nil
            ? nil : Body.Options(num_predict: request.maxTokens, temperature: request.temperature)
        let body = Body(
            model: request.model, messages: request.messages, stream: request.stream, options: options,
            keep_alive: request.keepAlive.map(KeepAlive.init))
        do { return Array(try jsonEncoder.encode(body)) } catch { throw .malformed("cannot encode request: \(error)") }
    }

    func parseStreamLine(_ line: ArraySlice<UInt8>, into result: inout ChatResult) throws(BackendError) -> StreamLine {
        if line.allSatisfy({ $0 == 32 || $0 == 9 }) { return .nothing }
        let chunk = try decodeJSON(Chunk.self, from: line)
        return try fold(chunk, into: &result)
    }

    func parseWholeBody(_ body: [UInt8], into result: inout ChatResult) throws(BackendError) {
        let chunk = try decodeJSON(Chunk.self, from: body)
        guard case .finished(let text) = try fold(chunk, into: &result) else {
            throw .malformed("the answer has no \"done\": true")
        }
        result.text = text
    }

    private func fold(_ chunk: Chunk, into result: inout ChatResult) throws(BackendError) -> StreamLine {
        if let error = chunk.error { throw .backendStatus(status: 200, message: error) }
        if let model = chunk.model { result.model = model }
        guard chunk.done == true else { return .token(chunk.message?.content ?? "") }
        result.doneReason = chunk.done_reason
        result.promptTokens = sanitizedCount(chunk.prompt_eval_count)
        result.completionTokens = sanitizedCount(chunk.eval_count)
        result.backendTimings = BackendTimings(
            loadMs: sanitizedMs(chunk.load_duration, scale: 1e-6),
            promptEvalMs: sanitizedMs(chunk.prompt_eval_duration, scale: 1e-6),
            generationMs: sanitizedMs(chunk.eval_duration, scale: 1e-6),
            totalMs: sanitizedMs(chunk.total_duration, scale: 1e-6))
        // The final object may still carry text (non-streamed answers carry all of it).
        return .finished(chunk.message?.content ?? "")
    }
}
