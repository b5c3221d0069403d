import HTTPClient
import KagamiConfig
import LLMBackends

/// Asks the configured backends over HTTP: Ollama's `/api/tags`, OpenAI-compatible `/v1/models`.
public struct BackendModelSource: ModelListSource {
    private let clients: [String: any LLMBackend]

    /// One client per configured backend, built like ChatHandler builds them (same URL defaults, API key).
    public init(configuration: KagamiConfiguration, http: HTTPClient, environment: [String: String]) {
        var clients: [String: any LLMBackend] = [:]
        for (name, settings) in configuration.backends {
            let url = configuration.url(of: settings)
            let timeouts = HTTPTimeouts(connectMs: settings.connectTimeoutMs)
            switch settings.type {
            case .ollama:
                clients[name] = OllamaClient(baseURL: url, http: http, timeouts: timeouts)
            case .openai:
                clients[name] = OpenAIClient(
                    baseURL: url, http: http, timeouts: timeouts, providerName: settings.providerName,
                    apiKey: settings.apiKeyEnv.flatMap { environment[$0] })
            }
        }
        self.clients = clients
    }

    /// Uses the given clients (tests).
    public init(clients: [String: any LLMBackend]) { self.clients = clients }

    public func models(of backend: String) -> BackendModels {
        guard let client = clients[backend] else { return .unreachable("no backend named \"\(backend)\"") }
        do {
            return .served(try client.listModels().map(\.name))
        } catch {
            return .unreachable(error.description)
        }
    }
}
