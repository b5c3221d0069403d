import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// Everything SiteGen reads from the templates directory, parsed and checked.
///
/// Layout: `*.html` are pages (rendered to the same path under `public/`), `_*.html` are partials (only
/// included), `assets/*` are copied under a content-hashed name, `strings.json` holds the UI text, and
/// `rum.js`, when it has code, is inlined into the page. Other files (`README.md`) are ignored.
public struct SiteSources: Sendable {
    public var templates: TemplateSet
    /// Asset files by name under `assets/` (`chat.js`), raw bytes.
    public var assets: [String: [UInt8]]
    public var strings: PageStrings
    /// The RUM script to inline, or `nil` when `rum.js` is absent or holds only comments.
    public var rumScript: String?

    /// Assembles sources already in memory (tests).
    public init(templates: TemplateSet, assets: [String: [UInt8]], strings: PageStrings, rumScript: String?) {
        self.templates = templates
        self.assets = assets
        self.strings = strings
        self.rumScript = rumScript
    }

    /// The page templates: every template whose file name does not start with `_`.
    public var pageNames: [String] {
        templates.templates.keys.filter { !($0.split(separator: "/").last ?? "").hasPrefix("_") }.sorted()
    }

    /// Reads and checks `directory`; every problem found is reported, each with its file and line.
    public static func load(directory: String) throws(SiteProblems) -> SiteSources {
        let files = FileManager.default
        guard isDirectory(directory) else {
            throw SiteProblems([TemplateError(file: directory, line: 1, message: "templates directory not found")])
        }
        let names = ((try? files.subpathsOfDirectory(atPath: directory)) ?? []).sorted()
        var problems: [TemplateError] = []
        var templates = TemplateSet()
        var assets: [String: [UInt8]] = [:]
        var strings: PageStrings?
        var rumScript: String?
        for name in names {
            let path = directory + "/" + name
            guard !isDirectory(path), let data = files.contents(atPath: path)
            else { continue }
            if name.hasPrefix("assets/") {
                assets[String(name.dropFirst(7))] = Array(data)
            } else if name.hasSuffix(".html") {
                do throws(TemplateError) {
                    try templates.add(name: name, source: String(decoding: data, as: UTF8.self))
                } catch {
                    problems.append(error)
                }
            } else if name == "strings.json" {
                do throws(SiteProblems) {
                    strings = try PageStrings.parse(String(decoding: data, as: UTF8.self), file: name)
                } catch {
                    problems += error.problems
                }
            } else if name == "rum.js" {
                do throws(TemplateError) {
                    rumScript = try InlineScript.prepare(String(decoding: data, as: UTF8.self), file: name)
                } catch {
                    problems.append(error)
                }
            }
        }
        if strings == nil, !problems.contains(where: { $0.file == "strings.json" }) {
            problems.append(TemplateError(file: "strings.json", line: 1, message: "missing: the UI text lives here"))
        }
        problems += templates.check()
        guard problems.isEmpty, let strings else { throw SiteProblems(problems) }
        return SiteSources(templates: templates, assets: assets, strings: strings, rumScript: rumScript)
    }
}

/// True when `path` names a directory (following symbolic links).
func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}
