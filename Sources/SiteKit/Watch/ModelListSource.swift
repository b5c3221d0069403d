/// Somewhere to ask for each backend's model list; a protocol so the watcher is tested without servers.
public protocol ModelListSource: Sendable {
    /// The models `backend` serves now, or why it could not say.
    func models(of backend: String) -> BackendModels
}

extension ModelListSource {
    /// Asks every backend in `names`, one after another.
    public func snapshot(of names: some Sequence<String>) -> ModelSnapshot {
        ModelSnapshot(backends: Dictionary(uniqueKeysWithValues: names.map { ($0, models(of: $0)) }))
    }
}
