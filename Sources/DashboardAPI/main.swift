// DashboardAPI: the read-only FastCGI query API behind nginx's /obs/api/. Reads the config and runs.
import Dashboard
import FastCGI
import KagamiConfig
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: DashboardAPI [options]

    Serves Kagami's dashboard query API (/obs/api/…) over FastCGI, reading the telemetry store.

    Options:
      --config PATH        JSON configuration (default: $KAGAMI_CONFIG, else built-in defaults)
      --socket PATH        listen on a unix socket at PATH (removed on exit)
      --socket-mode MODE   octal file mode of the unix socket (default 660)
      --listen HOST:PORT   listen on TCP instead (without either: systemd LISTEN_FDS, else fd 0)
      --threads N          worker threads at most, started as needed (default: dashboard.threads, 16)
      --check              validate the configuration and the dashboard key, then exit
      --help               show this help

    Environment:
      KAGAMI_CONFIG          config file when --config is not given
      KAGAMI_DB              the telemetry database (default: storage.path)
      KAGAMI_DASHBOARD_KEY   the shared secret nginx sends (default: the dashboard.key_file content)
    """

func fail(_ message: String) -> Never { exitWithUsageError("DashboardAPI", message) }

func runDashboardAPI() {
    FastCGIServer.prepareProcess()
    let options = HandlerCommandLine.parse(
        Array(CommandLine.arguments.dropFirst()), program: "DashboardAPI", usage: usage)
    let environment = processEnvironment()
    let (configuration, configPath) = KagamiConfiguration.loadOrExit(
        commandLinePath: options.configPath, environment: environment, program: "DashboardAPI")
    guard let key = configuration.dashboardKey(environment: environment) else {
        fail("no dashboard key: set KAGAMI_DASHBOARD_KEY or make dashboard.key_file writable")
    }
    if options.checkOnly {
        print("configuration OK (\(configPath ?? "built-in defaults")); store: \(configuration.storage.path)")
        exit(0)
    }
    let log = Log(component: "dashboard")
    let responder = DashboardResponder(
        settings: .init(key: key, currency: configuration.cost.currency), databasePath: configuration.storage.path)
    let server = FastCGIServer(
        configuration: FastCGIServer.Configuration(
            address: options.listenAddress(environment: environment, program: "DashboardAPI"),
            threads: options.threads ?? configuration.dashboard.threads,
            maxBodyBytes: 1024, drainSeconds: 5),
        log: { message in log.info(message) })
    do {
        try server.run(responder)
    } catch {
        fail(error.description)
    }
    exit(0)
}

runDashboardAPI()
