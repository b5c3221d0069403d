// SiteGen: renders Kagami's chat page and nginx snippet from the configuration, the templates and the live
// model lists; --watch keeps them current. All logic is in SiteKit.
import FoundationEssentials
import HTTPClient
import KagamiConfig
import SiteKit

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: SiteGen [options]

    Generates the chat page from the templates, the configuration and each backend's model list
    (Ollama /api/tags, OpenAI-compatible /v1/models), and the nginx snippet for the configured routes.

    Output (OUT):
      current -> releases/ID      the published page set; swapped atomically (nginx root: OUT/current/public)
      assets/NAME.HASH.EXT        content-hashed CSS/JS, cached for a year by the nginx snippet
      nginx/kagami-http.conf      http-level part (upstreams, rate-limit zones): include once in http {}
      nginx/kagami-locations.conf server-level part (page, assets, chat routes, /rum): include in server {}

    Options:
      --config PATH        JSON configuration (default: $KAGAMI_CONFIG, else built-in defaults)
      --templates DIR      templates directory (default: $KAGAMI_TEMPLATES, else ./templates)
      --out DIR            output directory (default: ./var/site)
      --run-dir DIR        put the handler sockets in DIR (overrides nginx.chat_socket / nginx.rum_socket /
                           dashboard.socket)
      --offline            do not ask the backends; every route is offered as configured
      --check              validate the configuration and the templates, render once, write nothing;
                           exits 1 (templates) or 2 (configuration) with file:line / key messages
      --watch              after generating, poll the model lists and regenerate when they change
      --interval SECONDS   --watch poll interval (default 10)
      --max-backoff SECONDS  longest wait between polls of a backend that does not answer (default 300;
                           the wait doubles from the interval after each failure)
      --help               show this help

    A backend that does not answer is not fatal: the page is generated from the configuration with a warning
    (routes on it are offered; a chat then reports the outage), and --watch retries it with backoff.
    """

func fail(_ message: String) -> Never { exitWithUsageError("SiteGen", message) }

func say(_ line: String) {
    print(line)
    fflush(nil)  // all streams: `stdout` is a mutable C global that Swift 6 will not touch
}

func warn(_ line: String) {
    let text = "SiteGen: warning: \(line)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return path }
    let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var relative = Substring(path)
    while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
    return relative.isEmpty || relative == "." ? cwd : cwd + "/" + relative
}

func seconds(_ text: String, _ flag: String) -> Double {
    guard let value = Double(text), value > 0, value.isFinite else {
        fail("\(flag) needs a positive number of seconds")
    }
    return value
}

func runSiteGen() {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var configPath: String? = nil
    var templatesPath: String? = nil
    var outDir = "./var/site"
    var runDir: String? = nil
    var checkOnly = false
    var offline = false
    var watch = false
    var interval = 10.0
    var maxBackoff = 300.0
    func value(for flag: String) -> String {
        guard !arguments.isEmpty else { fail("\(flag) needs a value (see --help)") }
        return arguments.removeFirst()
    }
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        switch argument {
        case "--config": configPath = value(for: argument)
        case "--templates": templatesPath = value(for: argument)
        case "--out": outDir = value(for: argument)
        case "--run-dir": runDir = value(for: argument)
        case "--check": checkOnly = true
        case "--offline": offline = true
        case "--watch": watch = true
        case "--interval": interval = seconds(value(for: argument), argument)
        case "--max-backoff": maxBackoff = seconds(value(for: argument), argument)
        case "--help", "-h":
            print(usage)
            exit(0)
        default: fail("unknown option \(argument) (see --help)")
        }
    }
    if watch && offline { fail("--watch polls the backends; it cannot be combined with --offline") }
    let environment = processEnvironment()
    templatesPath = templatesPath ?? environment["KAGAMI_TEMPLATES"].flatMap { $0.isEmpty ? nil : $0 } ?? "templates"
    var (configuration, loadedFrom) = KagamiConfiguration.loadOrExit(
        commandLinePath: configPath, environment: environment, program: "SiteGen")
    configPath = loadedFrom
    if let runDir {
        configuration.nginx.chatSocket = absolutePath(runDir) + "/chat.sock"
        configuration.nginx.rumSocket = absolutePath(runDir) + "/rum.sock"
        configuration.dashboard.socket = absolutePath(runDir) + "/dashboard.sock"
    }
    let output = absolutePath(outDir)
    if let problem = NginxConfigRenderer.siteDirectoryProblem(output) { fail("--out \(output): \(problem)") }

    let sources: SiteSources
    do {
        sources = try SiteSources.load(directory: templatesPath!)
    } catch {
        let text = "SiteGen: template problems in \(templatesPath!):\n\(error)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        exit(1)
    }
    // The dashboard's shared secret (created on first use); `--check` leaves no file behind.
    let dashboardKey =
        configuration.dashboard.enabled && !checkOnly ? configuration.dashboardKey(environment: environment) : nil
    let generator = SiteGenerator(
        configuration: configuration, sources: sources, outputDirectory: output, dashboardKey: dashboardKey)
    let backendNames = configuration.backends.keys.sorted()

    if checkOnly {
        do {
            let build = try generator.builder.build(snapshot: .offline(backendNames: backendNames))
            say("configuration OK (\(configPath ?? "built-in defaults")): \(configuration.routes.count) route(s)")
            say("templates OK (\(templatesPath!)): \(build.pages.count) page(s), \(build.assets.count) asset(s)")
            exit(0)
        } catch {
            let text = "SiteGen: template problems in \(templatesPath!):\n\(error)\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
            exit(1)
        }
    }

    HTTPClient.globalInit()
    let source = BackendModelSource(configuration: configuration, http: HTTPClient(), environment: environment)
    let snapshot: ModelSnapshot = offline ? .offline(backendNames: backendNames) : source.snapshot(of: backendNames)
    for name in backendNames {
        switch snapshot.backends[name] ?? .notAsked {
        case .served(let models):
            say("backend \(name): serves " + (models.isEmpty ? "no models" : models.joined(separator: ", ")))
        case .unreachable(let reason):
            warn("backend \(name) did not answer (\(reason)); generating from the configuration alone")
        case .notAsked:
            say("backend \(name): not asked (--offline)")
        }
    }
    do {
        let lines = try generator.generate(snapshot: snapshot)
        say(lines.isEmpty ? "nothing changed in \(output)" : "updated \(output):")
        for line in lines { say("  " + line) }
    } catch {
        fail("\(error)")
    }
    guard watch else { return }
    say("watching the model lists every \(interval) s (backoff up to \(maxBackoff) s)")
    let timestamp = Date.ISO8601FormatStyle()
    SiteWatcher(generator: generator, source: source) { line in
        say("\(Date.now.formatted(timestamp)) \(line)")
    }.run(initial: snapshot, interval: interval, maxBackoff: maxBackoff)
}

runSiteGen()
