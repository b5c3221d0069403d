// SiteGen: renders Kagami's generated files from the configuration.
import KagamiConfig
import SiteKit

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: SiteGen [options]

    Renders the nginx configuration for the configured routes into OUT/nginx/:
      kagami-http.conf        http-level part (upstreams, rate-limit zones)
      kagami-locations.conf   server-level part (one location per chat route, /rum)

    Options:
      --config PATH     JSON configuration (default: $KAGAMI_CONFIG, else built-in defaults)
      --out DIR         output directory (default: ./var/site)
      --run-dir DIR     put the handler sockets in DIR (overrides nginx.chat_socket / nginx.rum_socket)
      --check           validate the configuration and exit
      --help            show this help
    """

func fail(_ message: String) -> Never { exitWithUsageError("SiteGen", message) }

func runSiteGen() {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var configPath: String? = nil
    var outDir = "./var/site"
    var runDir: String? = nil
    var checkOnly = false
    func value(for flag: String) -> String {
        guard !arguments.isEmpty else { fail("\(flag) needs a value (see --help)") }
        return arguments.removeFirst()
    }
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        switch argument {
        case "--config": configPath = value(for: argument)
        case "--out": outDir = value(for: argument)
        case "--run-dir": runDir = value(for: argument)
        case "--check": checkOnly = true
        case "--help", "-h":
            print(usage)
            exit(0)
        default: fail("unknown option \(argument) (see --help)")
        }
    }
    let environment = processEnvironment()
    configPath = configPath ?? environment["KAGAMI_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    var configuration: KagamiConfiguration
    do {
        configuration = try KagamiConfiguration.load(path: configPath, environment: environment)
    } catch {
        fail("invalid configuration:\n\(error)")
    }
    if let runDir {
        configuration.nginx.chatSocket = runDir + "/chat.sock"
        configuration.nginx.rumSocket = runDir + "/rum.sock"
    }
    if checkOnly {
        print("configuration OK (\(configPath ?? "built-in defaults")): \(configuration.routes.count) route(s)")
        exit(0)
    }
    let renderer = NginxConfigRenderer(configuration: configuration)
    do {
        let changed = try SiteWriter(root: outDir).publish([
            "nginx/kagami-http.conf": renderer.httpConf(),
            "nginx/kagami-locations.conf": renderer.locationsConf(),
        ])
        print(changed.isEmpty ? "nothing changed in \(outDir)" : "updated in \(outDir): " + changed.joined(separator: ", "))
    } catch {
        fail("\(error)")
    }
}


runSiteGen()
