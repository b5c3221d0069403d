import FoundationEssentials
import HTTPClient

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

    private struct Body: Encodable {
        struct StreamOptions: Encodable { let include_usage: Bool }
        let model: String
        let messages: [ChatMessage]
        let stream: Bool
        let max_tokens: Int?
        let temperature: Double?
        let stream_options: StreamOptions?
    }

    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { let content: String? }
            let delta: Delta?
            let message: Delta?
            let finish_reason: String?
        }
        struct Usage: Decodable {
            let prompt_tokens: Int?
            let completion_tokens: Int?
        }
        struct Timings: Decodable {
            let prompt_n: Int?
            let prompt_ms: Double?
            let predicted_n: Int?
            let predicted_ms: Double?
            let cache_n: Int?
        }
        struct ErrorBody: Decodable {
            let message: String?
            init(from decoder: Decoder) throws {
                // `error` is an object with `message` on most servers, a bare string on some.
                if let text = try? decoder.singleValueContainer().decode(String.self) {
                    message = text
                } else {
                    enum Keys: String, CodingKey { case message }
                    message = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .message)
                }
            }
        }
        let model: String?
        let choices: [Choice]?
        let usage: Usage?
        let timings: Timings?
        let error: ErrorBody?
    }

    func encode(_ request: BackendChatRequest) throws(BackendError) -> [UInt8] {
        let body = Body(
            model: request.model, messages: request.messages, stream: request.stream, max_tokens: request.maxTokens,
            temperature: request.temperature,
            stream_options: request.stream ? Body.StreamOptions(include_usage: true) : nil)
        do { return Array(try jsonEncoder.encode(body)) } catch { throw .malformed("cannot encode request: \(error)") }
    }

    func parseStreamLine(_ line: ArraySlice<UInt8>, into result: inout ChatResult) throws(BackendError) -> StreamLine {
        // Server-Sent Events: only `data:` lines matter; comments (`:`), `event:` and blank lines do not.
        guard line.starts(with: Array("data:".utf8)) else { return .nothing }
        var payload = line.dropFirst(5)
        if payload.first == 32 { payload = payload.dropFirst() }
        if payload.elementsEqual("[DONE]".utf8) { return .finished("") }
        let chunk = try decodeJSON(Chunk.self, from: payload)
        // The usage chunk follows the one with finish_reason, so only [DONE] ends the stream.
        let (text, _) = try fold(chunk, into: &result)
        return .token(text)
    }

    func parseWholeBody(_ body: [UInt8], into result: inout ChatResult) throws(BackendError) {
        let chunk = try decodeJSON(Chunk.self, from: body)
        let (text, finishReason) = try fold(chunk, into: &result)
        guard finishReason != nil || chunk.choices?.isEmpty == false else {
            throw .malformed("the answer has no choices")
        }
        result.text = text
    }

    private func fold(_ chunk: Chunk, into result: inout ChatResult) throws(BackendError) -> (String, String?) {
        if let error = chunk.error {
            throw .backendStatus(status: 200, message: error.message ?? "error without message")
        }
        if let model = chunk.model { result.model = model }
        if let usage = chunk.usage {
            result.promptTokens = sanitizedCount(usage.prompt_tokens) ?? result.promptTokens
            result.completionTokens = sanitizedCount(usage.completion_tokens) ?? result.completionTokens
        }
        if let timings = chunk.timings {
            result.backendTimings.promptEvalMs = sanitizedMs(timings.prompt_ms, scale: 1)
            result.backendTimings.generationMs = sanitizedMs(timings.predicted_ms, scale: 1)
            result.backendTimings.cachedPromptTokens = sanitizedCount(timings.cache_n)
            result.promptTokens = result.promptTokens ?? sanitizedCount(timings.prompt_n)
            result.completionTokens = result.completionTokens ?? sanitizedCount(timings.predicted_n)
        }
        let choice = chunk.choices?.first
        if let reason = choice?.finish_reason { result.doneReason = reason }
        return (choice?.delta?.content ?? choice?.message?.content ?? "", choice?.finish_reason)
    }
}
