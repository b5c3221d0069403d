import FoundationEssentials
import HTTPClient
import Telemetry

/// Talks to OpenAI-compatible servers (llama-server, vLLM, LM Studio, Ollama's `/v1`):
/// `/v1/chat/completions` (SSE streaming with `stream_options.include_usage`, or one object) and `/v1/models`.
/// llama-server's extra `timings` object supplies prompt-eval and generation times.
public struct OpenAIClient: LLMBackend {
    public let baseURL: String
    public let providerName: String
    let http: HTTPClient
    let timeouts: HTTPTimeouts
    let apiKey: String?

    /// `baseURL` may end in `/v1` or not. `providerName` is what spans call it (`llama.cpp` for llama-server).
    public init(
        baseURL: String, http: HTTPClient, timeouts: HTTPTimeouts = HTTPTimeouts(), providerName: String = "openai",
        apiKey: String? = nil
    ) {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        if base.hasSuffix("/v1") { base = base.dropLast(3) }
        self.baseURL = String(base)
        self.http = http
        self.timeouts = timeouts
        self.providerName = providerName
        self.apiKey = apiKey
    }

    public func chat(
        _ request: BackendChatRequest, onToken: @escaping (String) -> Bool, shouldContinue: @escaping () -> Bool
    ) throws(BackendError) -> ChatResult {
        try ChatCall(
            http: http, url: join(baseURL, OpenAIWire().chatPath), format: OpenAIWire(),
            connectTimeoutMs: timeouts.connectMs, totalTimeoutMs: timeouts.totalMs, idleTimeoutMs: timeouts.idleMs,
            extraHeaders: apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
        ).run(request, onToken: onToken, shouldContinue: shouldContinue)
    }

    public func listModels() throws(BackendError) -> [ModelInfo] {
        struct Models: Decodable {
            struct Model: Decodable { let id: String }
            let data: [Model]?
        }
        let models = try fetchJSON(
            Models.self, http: http, url: join(baseURL, "/v1/models"), connectMs: timeouts.connectMs)
        return (models.data ?? []).map { ModelInfo(name: $0.id) }
    }

    /// OpenAI-compatible servers do not say which models are resident.
    public func loadedModels() throws(BackendError) -> [LoadedModel]? { nil }
}

/// The `/v1/chat/completions` wire format.
struct OpenAIWire: ChatWireFormat {
    var chatPath: String { "/v1/chat/completions" }

    /// One answer object (a streamed `data:` payload, or the whole non-streamed answer).
    struct Chunk {
        var model: String?
        var hasChoices = false
        var content: String?
        var finishReason: String?
        var promptTokens: Int?
        var completionTokens: Int?
        var timings: (promptN: Int?, promptMs: Double?, predictedN: Int?, predictedMs: Double?, cacheN: Int?)?
        var error: String??

        init(_ json: JSONTree) throws(BackendError) {
            guard case .object = json else { throw .malformed("expected a JSON object, got \(json.typeName)") }
            if let value = json["error"], value != .null {
                // `error` is an object with `message` on most servers, a bare string on some.
                if let text = value.string {
                    error = .some(text)
                } else {
                    error = .some(try value.field("message") { $0.string })
                }
            }
            model = try json.field("model") { $0.string }
            if let choices = try json.field(
                "choices",
                { value -> [JSONTree]? in
                    if case .array(let items) = value { return items }
                    return nil
                })
            {
                hasChoices = !choices.isEmpty
                if let choice = choices.first {
                    guard case .object = choice else { throw .malformed("a choice is \(choice.typeName)") }
                    var delta = try choice.field("delta") { $0 }
                    if delta == nil { delta = try choice.field("message") { $0 } }
                    if let delta {
                        guard case .object = delta else { throw .malformed("a delta is \(delta.typeName)") }
                        content = try delta.field("content") { $0.string }
                    }
                    finishReason = try choice.field("finish_reason") { $0.string }
                }
            }
            if let usage = json["usage"], usage != .null {
                promptTokens = try usage.field("prompt_tokens") { $0.int }
                completionTokens = try usage.field("completion_tokens") { $0.int }
            }
            if let t = json["timings"], t != .null {
                timings = (
                    try t.field("prompt_n") { $0.int }, try t.field("prompt_ms") { $0.number },
                    try t.field("predicted_n") { $0.int }, try t.field("predicted_ms") { $0.number },
                    try t.field("cache_n") { $0.int }
                )
            }
        }
    }

    func encode(_ request: BackendChatRequest) throws(BackendError) -> [UInt8] {
        // Keys sorted, as before with JSONEncoder: stable bytes for tests and logs.
        let body = JSONText.object([
            ("max_tokens", .int(request.maxTokens)), ("messages", .raw(encodeMessages(request.messages))),
            ("model", .string(request.model)), ("stream", .bool(request.stream)),
            ("stream_options", .raw(request.stream ? #"{"include_usage":true}"# : nil)),
            ("temperature", .raw(request.temperature.map(JSONText.number))),
        ])
        return Array(body.utf8)
    }

    func parseStreamLine(_ line: ArraySlice<UInt8>, into result: inout ChatResult) throws(BackendError) -> StreamLine {
        // Server-Sent Events: only `data:` lines matter; comments (`:`), `event:` and blank lines do not.
        guard line.starts(with: Array("data:".utf8)) else { return .nothing }
        var payload = line.dropFirst(5)
        if payload.first == 32 { payload = payload.dropFirst() }
        if payload.elementsEqual("[DONE]".utf8) { return .finished("") }
        let chunk = try Chunk(parseJSON(payload))
        // The usage chunk follows the one with finish_reason, so only [DONE] ends the stream.
        let (text, _) = try fold(chunk, into: &result)
        return .token(text)
    }

    func parseWholeBody(_ body: [UInt8], into result: inout ChatResult) throws(BackendError) {
        let chunk = try Chunk(parseJSON(body[...]))
        let (text, finishReason) = try fold(chunk, into: &result)
        guard finishReason != nil || chunk.hasChoices else {
            throw .malformed("the answer has no choices")
        }
        result.text = text
    }

    private func fold(_ chunk: Chunk, into result: inout ChatResult) throws(BackendError) -> (String, String?) {
        if let error = chunk.error {
            throw .backendStatus(status: 200, message: error ?? "error without message")
        }
        if let model = chunk.model { result.model = model }
        result.promptTokens = sanitizedCount(chunk.promptTokens) ?? result.promptTokens
        result.completionTokens = sanitizedCount(chunk.completionTokens) ?? result.completionTokens
        if let timings = chunk.timings {
            result.backendTimings.promptEvalMs = sanitizedMs(timings.promptMs, scale: 1)
            result.backendTimings.generationMs = sanitizedMs(timings.predictedMs, scale: 1)
            result.backendTimings.cachedPromptTokens = sanitizedCount(timings.cacheN)
            result.promptTokens = result.promptTokens ?? sanitizedCount(timings.promptN)
            result.completionTokens = result.completionTokens ?? sanitizedCount(timings.predictedN)
        }
        if let reason = chunk.finishReason { result.doneReason = reason }
        return (chunk.content ?? "", chunk.finishReason)
    }
}
