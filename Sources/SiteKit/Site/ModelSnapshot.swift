/// What one backend said when asked for its models.
public enum BackendModels: Sendable, Equatable {
    /// Not asked (`--offline`): the page is generated from the configuration alone.
    case notAsked
    /// Asked, but it did not answer; the reason is for the log.
    case unreachable(String)
    /// The names it serves, in its own order (ChatHandler substitutes the first when a route's model is missing).
    case served([String])
}

/// The model lists of every configured backend at one moment: the live input of the generated page.
public struct ModelSnapshot: Sendable, Equatable {
    /// By backend name, as in the configuration.
    public var backends: [String: BackendModels]

    /// A snapshot from explicit lists.
    public init(backends: [String: BackendModels]) { self.backends = backends }

    /// Every backend `notAsked`: what `--offline` and `--check` render with.
    public static func offline(backendNames: some Sequence<String>) -> ModelSnapshot {
        ModelSnapshot(backends: Dictionary(uniqueKeysWithValues: backendNames.map { ($0, .notAsked) }))
    }

    /// Human-readable differences from `old`, one line per backend that changed, e.g.
    /// `backend default: added granite3.2:2b; removed tinyllama:latest`.
    public func changes(from old: ModelSnapshot) -> [String] {
        var lines: [String] = []
        for name in Set(backends.keys).union(old.backends.keys).sorted() {
            let before = old.backends[name] ?? .notAsked
            let after = backends[name] ?? .notAsked
            guard before != after else { continue }
            switch (before, after) {
            case (.served(let was), .served(let now)):
                var parts: [String] = []
                let added = now.filter { !was.contains($0) }
                let removed = was.filter { !now.contains($0) }
                if !added.isEmpty { parts.append("added " + added.joined(separator: ", ")) }
                if !removed.isEmpty { parts.append("removed " + removed.joined(separator: ", ")) }
                if parts.isEmpty { parts.append("order changed (first model is now \(now.first ?? "none"))") }
                lines.append("backend \(name): " + parts.joined(separator: "; "))
            case (_, .served(let now)):
                lines.append(
                    "backend \(name): answering; serves " + (now.isEmpty ? "no models" : now.joined(separator: ", ")))
            case (_, .unreachable(let reason)):
                lines.append("backend \(name): not answering (\(reason))")
            case (_, .notAsked):
                lines.append("backend \(name): not asked")
            }
        }
        return lines
    }
}
