// RUMBeacon: the FastCGI process behind nginx's /rum. Reads the config, opens the geo database and the store,
// and runs.
import FastCGI
import KagamiConfig
import RUM
import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: RUMBeacon [options]

    Accepts real-user-monitoring beacons (POST /rum from the page's RUM script) over FastCGI, validates them,
    adds geo and device, and stores them next to the chat traces.

    Options:
      --config PATH        JSON configuration (default: $KAGAMI_CONFIG, else built-in defaults)
      --socket PATH        listen on a unix socket at PATH (removed on exit)
      --socket-mode MODE   octal file mode of the unix socket (default 660)
      --listen HOST:PORT   listen on TCP instead (e.g. 127.0.0.1:9001)
      --threads N          worker threads at most, started as needed (default: handler.threads, 64)
      --check              validate the configuration and the geo database, then exit
      --help               show this help

    Without --socket or --listen the socket is inherited: systemd socket activation (LISTEN_FDS) or fd 0.

    Environment:
      KAGAMI_CONFIG        config file when --config is not given
      KAGAMI_DB            the telemetry database (default: storage.path, var/kagami.db)
      KAGAMI_GEO_DB        the .mmdb geo database (default: rum.geo_database, else
                           $KAGAMI_CACHE/geo/dbip-city-lite.mmdb; "" turns geo off)
      KAGAMI_CACHE         cache directory (default ~/.cache/kagami)

    Geo data: DB-IP City Lite (CC BY 4.0) — IP Geolocation by DB-IP (https://db-ip.com).
    SIGTERM or SIGINT: stop accepting, finish in-flight beacons, flush the store, exit 0.
    """

func fail(_ message: String) -> Never { exitWithUsageError("RUMBeacon", message) }

/// The geo database path: the config (or `KAGAMI_GEO_DB`), else the DB-IP file `make run` caches.
func geoPath(_ configured: String?, environment: [String: String]) -> String {
    if let configured { return configured }
    let cache =
        environment["KAGAMI_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
        ?? ((environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (environment["HOME"] ?? "") + "/.cache")
            + "/kagami")
    return cache + "/geo/dbip-city-lite.mmdb"
}

func runRUMBeacon() {
    FastCGIServer.prepareProcess()
    let options = HandlerCommandLine.parse(
        Array(CommandLine.arguments.dropFirst()), program: "RUMBeacon", usage: usage)
    let threads = options.threads
    let environment = processEnvironment()
    let (configuration, configPath) = KagamiConfiguration.loadOrExit(
        commandLinePath: options.configPath, environment: environment, program: "RUMBeacon")
    let settings = configuration.rum
    let log = Log(component: "rum")

    // A missing or corrupt geo file must not stop beacons: they are stored with geo unknown, and one line says why.
    let path = geoPath(settings.geoDatabase, environment: environment)
    var geo: GeoDatabase? = nil
    if path.isEmpty {
        log.info("geo lookup off (rum.geo_database is empty)")
    } else {
        do {
            geo = try GeoDatabase(path: path)
            log.info(
                "geo database open",
                [
                    ("path", .string(path)), ("type", .string(geo!.databaseType)),
                    ("attribution", .string("IP Geolocation by DB-IP")),
                ])
        } catch {
            log.error(
                "geo database unavailable; beacons are stored with geo unknown",
                [("path", .string(path)), ("error", .string(error.reason))])
        }
    }
    if options.checkOnly {
        print(
            "configuration OK (\(configPath ?? "built-in defaults")); geo: \(geo == nil ? "unknown (no database)" : path)"
        )
        exit(0)
    }

    let address = options.listenAddress(environment: environment, program: "RUMBeacon")

    // A beacon is a few KB (a chat trace ~20 KB), so this process can hold more of them while the writer catches up.
    let store = TelemetryStore(
        configuration: .init(
            path: configuration.storage.path, queueCapacity: 4_096, retentionDays: configuration.storage.retentionDays,
            maxBytes: Int64(configuration.storage.maxMegabytes) << 20, backgroundWriter: false),
        log: Log(component: "store"))
    let responder = BeaconResponder(
        schema: BeaconSchema(maxEvents: settings.maxEventsPerBatch),
        enricher: BeaconEnricher(
            geo: geo,
            resolver: ClientAddressResolver(trustedProxies: settings.trustedProxies.compactMap(AddressRange.init)),
            addressStorage: settings.addressStorage),
        sink: store, enabled: settings.enabled)
    let server = FastCGIServer(
        configuration: FastCGIServer.Configuration(
            address: address, threads: threads ?? configuration.handler.threads, maxBodyBytes: 64 << 10,
            drainSeconds: 5),
        log: { message in log.info(message) })
    do {
        try server.run(responder)
    } catch {
        fail(error.description)
    }
    store.shutdown(timeoutMs: 10_000)
    // One line at exit: beacons written vs dropped (queue full or write failed) — the intake benchmark reads it.
    log.info("stopped", [("beacons_stored", .int(store.written)), ("beacons_dropped", .int(store.dropped))])
    exit(0)
}

runRUMBeacon()
