import KagamiConfig
import LLMBackends
import Telemetry

/// Decides which model a route really uses on its backend, from a cached list of served models.
///
/// With `on_missing_model: use_served`, a route whose model is not installed answers with one that is, and
/// the substitution is logged once — so `make run` works against whatever model the machine has. The list is
/// refreshed every `refreshSeconds` on the request path of whichever request finds it stale (one `GET`).
public final class ModelResolver: Sendable {
    private struct Cache {
        var models: [String] = []
        var fetchedAtMs: Double = -1e18
        var announced: Set<String> = []
    }

    private let backend: any LLMBackend
    private let refreshMs: Double
    /// Read by every chat, written once per refresh: readers must not wait for each other.
    private let cache = ReadWriteLock(Cache())
    private let log: Log

    public init(backend: any LLMBackend, refreshSeconds: Int, log: Log) {
        self.backend = backend
        self.refreshMs = Double(refreshSeconds) * 1000
        self.log = log
    }

    /// The model to send for `route`, or a failure when the policy is `fail` and the model is missing.
    public func resolve(_ route: RouteSettings) throws(ChatFailure) -> String {
        let served = servedModels()
        // Unknown list (backend down): send the configured name; the call itself will report the outage.
        guard !served.isEmpty, !Self.matches(route.model, in: served) else { return route.model }
        switch route.onMissingModel {
        case .fail:
            throw ChatFailure(
                status: 404, code: "model_not_found",
                message: "model \"\(route.model)\" is not installed on backend \"\(route.backend)\" (it serves: "
                    + served.prefix(8).joined(separator: ", ") + ")")
        case .useServed:
            let substitute = served[0]
            let announcement = route.path + "→" + substitute
            let first =
                !cache.read { $0.announced.contains(announcement) }
                && cache.write { $0.announced.insert(announcement).inserted }
            if first {
                log.warning(
                    "route model not served; using a served model instead",
                    [
                        ("route", .string(route.path)), ("configured_model", .string(route.model)),
                        ("served_model", .string(substitute)), ("backend", .string(route.backend)),
                        ("hint", .string("install the model or set on_missing_model: fail")),
                    ])
            }
            return substitute
        }
    }

    /// Names the backend serves (cached; empty when it could not be asked).
    public func servedModels() -> [String] {
        let now = monotonicMilliseconds()
        if let fresh = cache.read({ now - $0.fetchedAtMs < refreshMs ? $0.models : nil }) { return fresh }
        let models = (try? backend.listModels().map(\.name)) ?? []
        cache.write {
            $0.models = models
            // Retry an unreachable backend sooner than a healthy one is refreshed.
            $0.fetchedAtMs = models.isEmpty ? now - refreshMs + min(refreshMs, 2000) : now
        }
        return models
    }

    /// Ollama treats `name` and `name:latest` as the same model.
    static func matches(_ model: String, in served: [String]) -> Bool {
        let bare = model.hasSuffix(":latest") ? String(model.dropLast(7)) : model
        return served.contains { $0 == model || $0 == bare || $0 == bare + ":latest" }
    }
}
