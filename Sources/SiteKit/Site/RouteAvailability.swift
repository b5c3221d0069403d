import KagamiConfig

/// Whether a route can be chosen in the model picker, and what the page says about it.
///
/// Mirrors ChatHandler's model resolution: with `on_missing_model: use_served` a route whose model is missing
/// is still answered by the backend's first served model, so it stays usable; it is disabled only when the
/// backend serves nothing, or the policy is `fail` and the model is missing.
public enum RouteAvailability: Sendable, Equatable {
    /// The configured model is served.
    case ready
    /// The model is missing; ChatHandler answers with this served model instead.
    case substituted(servedBy: String)
    /// The model list was not asked for (`--offline`); the route is offered as configured.
    case unchecked
    /// The backend did not answer when the page was generated; offered, since it may be back by the time
    /// someone asks (the page then shows the chat error).
    case unreachable
    /// The backend answered with no models at all: nothing could answer. Disabled.
    case noModels
    /// The model is missing and the route's policy is `fail`. Disabled.
    case missing

    /// Decides a route's availability from its backend's model list.
    public init(route: RouteSettings, models: BackendModels) {
        switch models {
        case .notAsked: self = .unchecked
        case .unreachable: self = .unreachable
        case .served(let served):
            if Self.matches(route.model, in: served) {
                self = .ready
            } else if served.isEmpty {
                self = .noModels
            } else if route.onMissingModel == .fail {
                self = .missing
            } else {
                self = .substituted(servedBy: served[0])
            }
        }
    }

    /// False when the picker shows the route disabled.
    public var isUsable: Bool {
        switch self {
        case .ready, .substituted, .unchecked, .unreachable: true
        case .noModels, .missing: false
        }
    }

    /// Short code the page script uses to pick the note in the chosen language.
    public var code: String {
        switch self {
        case .ready: "ready"
        case .substituted: "substituted"
        case .unchecked: "unchecked"
        case .unreachable: "unreachable"
        case .noModels: "no_models"
        case .missing: "missing"
        }
    }

    /// Same rule as ChatHandler's resolver: Ollama treats `name` and `name:latest` as one model.
    static func matches(_ model: String, in served: [String]) -> Bool {
        let bare = model.hasSuffix(":latest") ? String(model.dropLast(7)) : model
        return served.contains { $0 == model || $0 == bare || $0 == bare + ":latest" }
    }
}
