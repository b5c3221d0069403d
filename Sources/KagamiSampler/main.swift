// KagamiSampler: one per host. Samples CPU, memory, per-process CPU/RSS and model residency into the store.
import HTTPClient
import HostSampling
import KagamiConfig
import LLMBackends
import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: KagamiSampler [options]

    Samples the host every few seconds into Kagami's store: CPU and memory from /proc, CPU and RSS of the
    model runner (ollama, llama-server), of Kagami's processes and of the busiest others, and which models
    each backend has loaded (Ollama /api/ps; an OpenAI-compatible server's /v1/models).

    Options:
      --config PATH     JSON configuration (default: $KAGAMI_CONFIG, else built-in defaults)
      --interval SEC    seconds between samples (default: sampler.interval_seconds, 5)
      --once            take one sample, print it, store it and exit
      --help            show this help

    Only one sampler runs per database (a lock file next to it); a second one exits at once.
    SIGTERM/SIGINT: write what is queued and exit 0.
    """

func runSampler() {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var configPath: String? = nil
    var interval: Double? = nil
    var once = false
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        switch argument {
        case "--config":
            guard !arguments.isEmpty else { exitWithUsageError("KagamiSampler", "--config needs a path") }
            configPath = arguments.removeFirst()
        case "--interval":
            guard !arguments.isEmpty, let value = Double(arguments.removeFirst()), value >= 0.2 else {
                exitWithUsageError("KagamiSampler", "--interval takes seconds (≥ 0.2)")
            }
            interval = value
        case "--once": once = true
        case "--help", "-h":
            print(usage)
            exit(0)
        default: exitWithUsageError("KagamiSampler", "unknown option \(argument) (see --help)")
        }
    }
    let environment = processEnvironment()
    let (configuration, loadedFrom) = KagamiConfiguration.loadOrExit(
        commandLinePath: configPath, environment: environment, program: "KagamiSampler")
    configPath = loadedFrom
    let log = Log(component: "sampler")
    let databasePath = configuration.storage.path

    // One sampler per database: hold an exclusive lock for the process's lifetime.
    let lockFD = open(databasePath + ".sampler.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    if lockFD >= 0 && flock(lockFD, LOCK_EX | LOCK_NB) != 0 && !once {
        log.info("another sampler already runs for this database; exiting", [("db", .string(databasePath))])
        exit(0)
    }

    var stopSignals = sigset_t()
    sigemptyset(&stopSignals)
    sigaddset(&stopSignals, SIGTERM)
    sigaddset(&stopSignals, SIGINT)
    pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

    HTTPClient.globalInit()
    let http = HTTPClient()
    let store = TelemetryStore(
        configuration: .init(
            path: databasePath, retentionDays: configuration.storage.retentionDays,
            maxBytes: Int64(configuration.storage.maxMegabytes) << 20),
        log: log)
    let residency = ResidencyProbe(configuration: configuration, http: http)
    let sampler = HostSampler(runnerNames: configuration.sampler.runnerProcesses)
    let seconds = interval ?? configuration.sampler.intervalSeconds
    log.info("sampling", [("interval_s", .double(seconds)), ("db", .string(databasePath))])

    _ = sampler.sample()  // prime the CPU counters
    var startupPagesReleased = false  // after the first sample: by then startup's code has run and serving's has too
    while true {
        var timeout = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        if once { timeout = timespec(tv_sec: 0, tv_nsec: 500_000_000) }
        if sigtimedwait(&stopSignals, nil, &timeout) > 0 { break }
        if let (host, processes) = sampler.sample() {
            store.enqueue(.host(host))
            store.enqueue(.processes(processes))
            if once {
                print(
                    "cpu \(formatFixed(host.cpuPercent, digits: 1))%  memory \(host.memoryUsedBytes >> 20)/\(host.memoryTotalBytes >> 20) MiB  load \(host.load1)"
                )
                for process in processes {
                    print(
                        "  \(process.role.padding(6)) \(process.name.padding(16)) pid \(process.pid)  cpu \(formatFixed(process.cpuPercent, digits: 1))%  rss \(process.rssBytes >> 20) MiB"
                    )
                }
            }
        }
        for sample in residency.probe() {
            store.enqueue(.residency(timeNs: sample.timeNs, backend: sample.backend, models: sample.models))
            if once { print("  backend \(sample.backend): \(sample.models.map(\.model).joined(separator: ", "))") }
        }
        if once { break }
        if !startupPagesReleased {
            startupPagesReleased = true
            let released = StartupPages.release()
            if released > 0 { log.info(StartupPages.describe(released)) }
        }
    }
    store.shutdown()
    exit(0)
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

runSampler()
