/// A model server Kagami can chat with: Ollama's native API or an OpenAI-compatible one.
public protocol LLMBackend: Sendable {
    /// The provider name for spans and logs (`ollama`, `llama.cpp`, `openai`).
    var providerName: String { get }
    /// The base URL, for logs and `server.address`.
    var baseURL: String { get }

    /// Runs one chat. Each text delta goes to `onToken` as it arrives; return `false` there (or from
    /// `shouldContinue`, polled a few times a second) to abort the backend transfer.
    func chat(
        _ request: BackendChatRequest, onToken: @escaping (String) -> Bool, shouldContinue: @escaping () -> Bool
    ) throws(BackendError) -> ChatResult

    /// The installed models.
    func listModels() throws(BackendError) -> [ModelInfo]

    /// The models resident in memory, or `nil` when the backend cannot say.
    func loadedModels() throws(BackendError) -> [LoadedModel]?
}
