import FoundationEssentials
import KagamiConfig
import Privacy

/// Renders the site for a configuration and a model snapshot: pure, so it is tested without a server and the
/// same inputs always give the same bytes (golden files depend on it).
public struct SiteBuilder: Sendable {
    public let configuration: KagamiConfiguration
    public let sources: SiteSources

    /// A builder for one configuration and one set of templates.
    public init(configuration: KagamiConfiguration, sources: SiteSources) {
        self.configuration = configuration
        self.sources = sources
    }

    /// The page language when the browser's does not decide: `site.language`, or English for `auto`.
    public var defaultLanguage: String { configuration.site.language == "ja" ? "ja" : "en" }

    /// Renders every page and hashes every asset.
    public func build(snapshot: ModelSnapshot) throws(TemplateError) -> SiteBuild {
        var assets: [String: [UInt8]] = [:]
        var assetURLs: [String: TemplateValue] = [:]
        for (name, bytes) in sources.assets.sorted(by: { $0.key < $1.key }) {
            let hashed = Self.hashedName(name, bytes)
            assets[hashed] = bytes
            assetURLs[Self.assetKey(name)] = .string("/assets/" + hashed)
        }
        let context = context(snapshot: snapshot, assetURLs: assetURLs)
        var pages: [String: String] = [:]
        for name in sources.pageNames {
            pages[name] = try sources.templates.render(name, context: context)
        }
        return SiteBuild(pages: pages, assets: assets)
    }

    /// `chat.js` + content → `chat.<first 12 hex of SHA-256>.js`: a new name whenever the content changes, so
    /// the file can be cached forever.
    public static func hashedName(_ name: String, _ bytes: [UInt8]) -> String {
        let hash = String(SHA256.hexDigest(bytes).prefix(12))
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name + "." + hash }
        return name[..<dot] + "." + hash + name[dot...]
    }

    /// `chat.js` → `chat_js`: how templates name an asset (`{{ assets.chat_js }}`).
    public static func assetKey(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// The variables every page sees; documented in `templates/README.md`.
    public func context(snapshot: ModelSnapshot, assetURLs: [String: TemplateValue]) -> [String: TemplateValue] {
        let language = defaultLanguage
        let strings = sources.strings
        var routes: [TemplateValue] = []
        var pageRoutes: [TemplateValue] = []
        for route in configuration.routes {
            let availability = RouteAvailability(route: route, models: snapshot.backends[route.backend] ?? .notAsked)
            var servedBy: TemplateValue = nil
            if case .substituted(let model) = availability { servedBy = .string(model) }
            let label = route.label ?? route.model
            let common: [String: TemplateValue] = [
                "path": .string(route.path), "label": .string(label), "model": .string(route.model),
                "state": .string(availability.code), "served_by": servedBy, "enabled": .bool(availability.isUsable),
            ]
            pageRoutes.append(.object(common))
            var full = common
            full["backend"] = .string(route.backend)
            full["note"] = .string(note(for: availability, route: route, language: language))
            routes.append(.object(full))
        }
        var backends: [TemplateValue] = []
        for name in configuration.backends.keys.sorted() {
            let models = snapshot.backends[name] ?? .notAsked
            let (state, served): (String, [String]) =
                switch models {
                case .notAsked: ("not_asked", [])
                case .unreachable: ("unreachable", [])
                case .served(let list): ("served", list)
                }
            backends.append([
                "name": .string(name), "state": .string(state), "models": .list(served.map { .string($0) }),
            ])
        }
        // `rum.enabled: false` is the off switch: no script, so no beacons and no CSP hash.
        let rum = configuration.rum.enabled ? sources.rumScript ?? "" : ""
        var scriptSources = "'self'"
        if !rum.isEmpty { scriptSources += " 'sha256-\(Data(SHA256.hash(Array(rum.utf8))).base64EncodedString())'" }
        let translations = TemplateValue.object(
            strings.text.mapValues { table in .object(table.mapValues { .string($0) }) })
        return [
            "site": [
                "title": .string(configuration.site.title), "language": .string(configuration.site.language),
                "lang": .string(language),
            ],
            "t": .object((strings.text[language] ?? [:]).mapValues { .string($0) }),
            "routes": .list(routes),
            "backends": .list(backends),
            "assets": .object(assetURLs),
            "rum_script": .string(rum),
            // Read by the RUM script from its own element (`data-config`): the script text stays constant, so
            // its CSP hash does not change with the settings.
            "rum_config": [
                "endpoint": "/rum", "sample_ppm": .int(Int((configuration.rum.sampleRate * 1_000_000).rounded())),
                "respect_privacy_signals": .bool(configuration.rum.respectPrivacySignals),
            ],
            "csp": .string(
                "default-src 'none'; script-src \(scriptSources); style-src 'self'; connect-src 'self'; "
                    + "img-src 'self' data:; base-uri 'none'; form-action 'none'"),
            "page_data": [
                "lang_setting": .string(configuration.site.language), "default_lang": .string(language),
                "strings": translations, "routes": .list(pageRoutes),
                "max_message_chars": .int(configuration.limits.maxMessageChars),
            ],
        ]
    }

    /// The picker note in `language`; the page script rebuilds it from `state` when the language changes.
    func note(for availability: RouteAvailability, route: RouteSettings, language: String) -> String {
        let strings = sources.strings
        switch availability {
        case .ready: return ""
        case .substituted(let model): return strings.text("note_substituted", in: language, ["model": model])
        case .unchecked: return strings.text("note_unchecked", in: language)
        case .unreachable: return strings.text("note_unreachable", in: language)
        case .noModels: return strings.text("note_no_models", in: language)
        case .missing: return strings.text("note_missing", in: language, ["model": route.model])
        }
    }
}
