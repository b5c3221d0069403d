// KagamiBench: in-process figures that need no server (bench/observability.sh runs them in release mode).
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: KagamiBench COMMAND [options]

    Commands (each prints its figure and the conditions):
      trace-build [--n N]        time a chat's spans + evaluations + masking + enqueue take on the request thread
                                 (2 KB prompt and reply; default N 20000)
      store-ingest [--chats N]   spans/s the store writes, sustained (8 spans per chat; default N 20000)
      summary [--chats N]        one-hour window summary time over N stored requests (default 1000000)
      sampler [--n N]            CPU the host sampler costs per sample, as a share of one core at a 5 s interval
      exporter-encode [--n N]    protobuf vs OTLP/JSON payload size and encode time per 1,000 spans
      exporter-throughput --url URL [--chats N]
                                 spans/s encoded and sent as protobuf to a local OTLP receiver at URL
    """

func runBench() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let command = arguments.first else {
        print(usage)
        exit(2)
    }
    func option(_ name: String, default value: Int) -> Int {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count,
            let parsed = Int(arguments[index + 1])
        else { return value }
        return parsed
    }
    printConditions()
    switch command {
    case "trace-build": benchTraceBuild(n: option("--n", default: 20_000))
    case "store-ingest": benchStoreIngest(chats: option("--chats", default: 20_000))
    case "summary": benchSummary(chats: option("--chats", default: 1_000_000))
    case "sampler": benchSampler(n: option("--n", default: 200))
    case "exporter-encode": benchExporterEncode(n: option("--n", default: 50))
    case "exporter-throughput":
        guard let index = arguments.firstIndex(of: "--url"), index + 1 < arguments.count else {
            print("exporter-throughput needs --url http://127.0.0.1:PORT (a local OTLP receiver)")
            exit(2)
        }
        benchExporterThroughput(url: arguments[index + 1], chats: option("--chats", default: 25_000))
    case "--help", "-h": print(usage)
    default:
        print(usage)
        exit(2)
    }
}

runBench()
