// ChatHandler: the FastCGI process behind nginx's chat routes. Reads the config, wires the backends and runs.
import ChatService
import Exporters
import FastCGI
import HTTPClient
import KagamiConfig
import Observability
import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: ChatHandler [options]

    Serves Kagami's chat routes over FastCGI (nginx forwards /chat, /granite, … here).

    Options:
      --config PATH        JSON configuration (default: $KAGAMI_CONFIG, else built-in defaults)
      --socket PATH        listen on a unix socket at PATH (removed on exit)
      --socket-mode MODE   octal file mode of the unix socket (default 660)
      --listen HOST:PORT   listen on TCP instead (e.g. 127.0.0.1:9000)
      --threads N          worker threads at most, started as needed (default: handler.threads, 64)
      --check              validate the configuration, print the routes and exit
      --help               show this help

    Without --socket or --listen the socket is inherited: systemd socket activation (LISTEN_FDS) or fd 0.

    Environment:
      KAGAMI_CONFIG        config file when --config is not given
      OLLAMA_HOST          address of Ollama for backends of type ollama without a url (default 127.0.0.1:11434)
      KAGAMI_BACKEND_URL   replaces the url of the backend named "default" (KAGAMI_BACKEND_TYPE: ollama|openai)
      KAGAMI_DB            the telemetry database (default: storage.path, var/kagami.db)

    SIGTERM or SIGINT: stop accepting, finish in-flight chats (handler.drain_seconds), exit 0.
    """

func fail(_ message: String) -> Never { exitWithUsageError("ChatHandler", message) }

func runChatHandler() {
    FastCGIServer.prepareProcess()
    let options = HandlerCommandLine.parse(
        Array(CommandLine.arguments.dropFirst()), program: "ChatHandler", usage: usage)
    let threads = options.threads
    let environment = processEnvironment()
    let (configuration, configPath) = KagamiConfiguration.loadOrExit(
        commandLinePath: options.configPath, environment: environment, program: "ChatHandler")
    if options.checkOnly {
        print("configuration OK (\(configPath ?? "built-in defaults"))")
        for route in configuration.routes {
            let backend = configuration.backends[route.backend]!
            print(
                "  \(route.path) → \(route.model) on \(route.backend) (\(backend.type.rawValue) \(configuration.url(of: backend)))"
            )
        }
        exit(0)
    }

    let address = options.listenAddress(environment: environment, program: "ChatHandler")

    let log = Log(component: "chat")
    HTTPClient.globalInit()
    let http = HTTPClient()
    let backends = BackendBinding.make(from: configuration, http: http, environment: environment, log: log)
    for route in configuration.routes {
        let backend = configuration.backends[route.backend]!
        log.info(
            "route",
            [
                ("path", .string(route.path)), ("model", .string(route.model)),
                ("backend", .string(route.backend)), ("url", .string(configuration.url(of: backend))),
            ])
    }
    let store = TelemetryStore(
        configuration: .init(
            path: configuration.storage.path, retentionDays: configuration.storage.retentionDays,
            maxBytes: Int64(configuration.storage.maxMegabytes) << 20),
        log: Log(component: "store"))
    let builder: ChatTraceBuilder
    do {
        let key = HashKey.load(
            environmentValue: environment[configuration.masking.hashKeyEnv],
            keyFile: configuration.storage.path + ".key")
        builder = try ChatTraceBuilder(configuration: configuration, hashKey: key)
    } catch {
        fail("invalid configuration:\n\(error)")
    }
    let exporters = ExporterSet(configuration: configuration, environment: environment, log: Log(component: "export"))
    exporters.registry.gauge(KagamiMetrics.queueDepth) {
        backends.sorted { $0.key < $1.key }.flatMap { name, binding in
            let depth = binding.gate.depth
            return [
                ([("backend", name), ("state", "running")], Double(depth.running)),
                ([("backend", name), ("state", "waiting")], Double(depth.waiting)),
            ]
        }
    }
    let metrics = ChatMetricsRecorder(
        registry: exporters.registry, knownRoutes: Set(configuration.routes.map(\.path)))
    // Traces are built (evaluations, masking, spans) off the request thread, then go to every sink.
    let traceExporters = exporters.traceExporters
    let pipeline = TracePipeline(
        builder: builder,
        sinks: [TracePipeline.storing(in: store), { @Sendable trace in metrics.record(trace) }]
            + traceExporters.map { exporter -> TracePipeline.Sink in { @Sendable trace in exporter.export(trace) } },
        downstreamLoad: TracePipeline.load(of: store),
        maxTracesPerSecond: configuration.observability.maxTracesPerSecond)
    exporters.registry.gauge(KagamiMetrics.tracesReduced) {
        let overload = pipeline.overload
        return [
            ([("detail", "without_evaluations")], Double(overload.withoutEvaluations)),
            ([("detail", "counts")], Double(overload.countsOnly)),
            ([("detail", "sampled")], Double(overload.sampledOut)),
        ]
    }
    exporters.registry.gauge(KagamiMetrics.tracesDropped) { [([], Double(pipeline.overload.dropped))] }
    let chat = ChatResponder(
        configuration: configuration, backends: backends,
        observer: ChatObservers([ChatLogObserver(log: log), pipeline]))
    // /metrics shares the chat socket; nginx lets only exporters.prometheus.allow reach it.
    let responder: any Responder =
        configuration.exporters.prometheus.enabled
        ? PathRouter(routes: ["/metrics": PrometheusResponder(registry: exporters.registry)], fallback: chat) : chat
    let server = FastCGIServer(
        configuration: FastCGIServer.Configuration(
            address: address, threads: threads ?? configuration.handler.threads,
            maxBodyBytes: configuration.limits.maxBodyBytes, drainSeconds: configuration.handler.drainSeconds),
        log: { message in log.info(message) })
    do {
        try server.run(responder)
    } catch {
        fail(error.description)
    }
    let stopping = monotonicMilliseconds()
    let flushed = pipeline.flush(timeoutMs: 3_000)
    exporters.shutdown()
    store.shutdown(timeoutMs: 3_000)
    let overload = pipeline.overload
    log.info(
        "telemetry flushed",
        [
            ("complete", .bool(flushed)), ("ms", .double(monotonicMilliseconds() - stopping)),
            ("traces_without_evaluations", .int(overload.withoutEvaluations)),
            ("traces_counts_only", .int(overload.countsOnly)), ("traces_sampled_out", .int(overload.sampledOut)),
            ("traces_dropped", .int(overload.dropped)),
            ("store_dropped", .int(store.dropped)),
        ])
    exit(0)
}

runChatHandler()
