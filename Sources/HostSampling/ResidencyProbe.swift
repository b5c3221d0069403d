import HTTPClient
import KagamiConfig
import LLMBackends
import Storage
import Telemetry

/// Asks each configured backend which models it holds in memory: Ollama's `/api/ps` (with size and expiry,
/// which explains cold starts), or for an OpenAI-compatible server (llama-server keeps its one model
/// resident) the served list. Unreachable backends are skipped.
public struct ResidencyProbe: Sendable {
    private let backends: [(name: String, client: any LLMBackend)]

    public init(configuration: KagamiConfiguration, http: HTTPClient) {
        backends = configuration.backends.sorted { $0.key < $1.key }.map { name, settings in
            let url = configuration.url(of: settings)
            let timeouts = HTTPTimeouts(connectMs: 1_000, totalMs: 3_000, idleMs: 3_000)
            let client: any LLMBackend =
                settings.type == .ollama
                ? OllamaClient(baseURL: url, http: http, timeouts: timeouts)
                : OpenAIClient(baseURL: url, http: http, timeouts: timeouts, providerName: settings.providerName)
            return (name, client)
        }
    }

    /// One reading per reachable backend.
    public func probe() -> [(timeNs: UInt64, backend: String, models: [ResidencySample])] {
        backends.compactMap { backend in
            let now = wallClockNanoseconds()
            let loaded: [LoadedModel]
            do {
                loaded =
                    try backend.client.loadedModels()
                    ?? backend.client.listModels().map { LoadedModel(name: $0.name, sizeBytes: $0.sizeBytes) }
            } catch {
                return nil
            }
            let samples = loaded.map {
                ResidencySample(
                    timeNs: now, backend: backend.name, model: $0.name, sizeBytes: $0.sizeBytes,
                    vramBytes: $0.vramBytes,
                    expiresAt: $0.expiresAt)
            }
            return (now, backend.name, samples)
        }
    }
}
