import LLMBackends
import Synchronization

/// An ``LLMBackend`` that plays a script: tokens to stream, then a result or an error. For handler tests.
public final class ScriptedBackend: LLMBackend {
    public struct Script: Sendable {
        public var tokens: [String]
        public var outcome: Result<ChatResult, BackendError>
        public init(tokens: [String], outcome: Result<ChatResult, BackendError>) {
            self.tokens = tokens
            self.outcome = outcome
        }
    }

    public let providerName = "scripted"
    public let baseURL = "http://scripted.invalid"
    private let script: Mutex<Script>
    private let models: [String]
    private let requests = Mutex<[BackendChatRequest]>([])

    public init(tokens: [String] = ["Hel", "lo"], error: BackendError? = nil, models: [String] = ["tinyllama:latest"]) {
        let text = tokens.joined()
        let outcome: Result<ChatResult, BackendError> =
            error.map { .failure($0) }
            ?? .success(
                ChatResult(
                    text: text, model: models.first, promptTokens: 7, completionTokens: tokens.count,
                    doneReason: "stop", backendTimings: BackendTimings(loadMs: 2, promptEvalMs: 3, generationMs: 10),
                    ttftMs: 4, durationMs: 15))
        self.script = Mutex(Script(tokens: tokens, outcome: outcome))
        self.models = models
    }

    /// What the handler asked for, in order.
    public var receivedRequests: [BackendChatRequest] { requests.withLock { $0 } }

    public func chat(
        _ request: BackendChatRequest, onToken: @escaping (String) -> Bool, shouldContinue: @escaping () -> Bool
    ) throws(BackendError) -> ChatResult {
        requests.withLock { $0.append(request) }
        let script = self.script.withLock { $0 }
        for token in script.tokens {
            if !onToken(token) || !shouldContinue() { throw .cancelled }
        }
        return try script.outcome.get()
    }

    public func listModels() throws(BackendError) -> [ModelInfo] { models.map { ModelInfo(name: $0) } }

    public func loadedModels() throws(BackendError) -> [LoadedModel]? { nil }
}
