import HTTPClient
import KagamiConfig
import LLMBackends
import Telemetry

extension BackendBinding {
    /// Builds one binding per configured backend, all sharing `http` (and so its kept-alive connections).
    public static func make(
        from configuration: KagamiConfiguration, http: HTTPClient, environment: [String: String], log: Log
    ) -> [String: BackendBinding] {
        var bindings: [String: BackendBinding] = [:]
        for (name, settings) in configuration.backends {
            let url = configuration.url(of: settings)
            let timeouts = HTTPTimeouts(connectMs: settings.connectTimeoutMs)
            let client: any LLMBackend
            switch settings.type {
            case .ollama:
                client = OllamaClient(baseURL: url, http: http, timeouts: timeouts)
            case .openai:
                client = OpenAIClient(
                    baseURL: url, http: http, timeouts: timeouts, providerName: settings.providerName,
                    apiKey: settings.apiKeyEnv.flatMap { environment[$0] })
            }
            let resolver = ModelResolver(
                backend: client, refreshSeconds: configuration.handler.modelRefreshSeconds, log: log)
            bindings[name] = BackendBinding(name: name, settings: settings, client: client, resolver: resolver)
        }
        return bindings
    }
}
