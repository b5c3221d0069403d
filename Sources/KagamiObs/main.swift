// kagami-obs: the terminal view of Kagami's store, for operators on SSH.
import KagamiConfig
import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

let usage = """
    Usage: kagami-obs [--db PATH | --config PATH] COMMAND

    Commands:
      traces [--limit N] [--errors]   recent chats: time, route, model, status, latency, tokens, evaluations
      trace ID                        one chat as a text waterfall: phases, tokens, cost, masked text, evaluations,
                                      host CPU/memory around it (ID: a trace id, a prefix of one, or a request id)
      summary [--window 1h]           requests, errors, p50/p95/p99 latency, TTFT, tokens, cost, cold starts
                                      (windows: 15m, 1h, 24h, 7d …)
      host [--window 15m]             host CPU/memory and the model runner's share, oldest first

    The database is $KAGAMI_DB, else storage.path from the config ($KAGAMI_CONFIG), else var/kagami.db.
    """

func fail(_ message: String) -> Never { exitWithUsageError("kagami-obs", message) }

func runObs() {
    var arguments = Array(CommandLine.arguments.dropFirst())
    var databasePath: String? = nil
    var configPath: String? = nil
    while let first = arguments.first, first.hasPrefix("--") {
        arguments.removeFirst()
        switch first {
        case "--db":
            guard !arguments.isEmpty else { fail("--db needs a path") }
            databasePath = arguments.removeFirst()
        case "--config":
            guard !arguments.isEmpty else { fail("--config needs a path") }
            configPath = arguments.removeFirst()
        case "--help", "-h":
            print(usage)
            exit(0)
        default: fail("unknown option \(first) (see --help)")
        }
    }
    let environment = processEnvironment()
    if databasePath == nil {
        databasePath =
            KagamiConfiguration.loadOrExit(commandLinePath: configPath, environment: environment, program: "kagami-obs")
            .0.storage.path
    }
    guard let command = arguments.first else {
        print(usage)
        exit(2)
    }
    arguments.removeFirst()
    guard access(databasePath!, R_OK) == 0 else {
        fail("no database at \(databasePath!) yet: chat once through Kagami, or pass --db PATH")
    }
    let queries: TelemetryQueries
    do {
        queries = try TelemetryQueries(path: databasePath!)
    } catch {
        fail("cannot open \(databasePath!): \(error)")
    }
    let view = TerminalView(queries: queries)
    do {
        switch command {
        case "traces":
            var limit = 20
            var errorsOnly = false
            while !arguments.isEmpty {
                let option = arguments.removeFirst()
                if option == "--limit", let value = arguments.first.flatMap({ Int($0) }), value > 0 {
                    arguments.removeFirst()
                    limit = min(value, 10_000)
                } else if option == "--errors" {
                    errorsOnly = true
                } else {
                    fail("traces takes --limit N and --errors")
                }
            }
            try view.traces(limit: limit, errorsOnly: errorsOnly)
        case "trace":
            guard let id = arguments.first else { fail("trace needs an id (see 'kagami-obs traces')") }
            try view.trace(id)
        case "summary", "host":
            var window = command == "summary" ? 3_600.0 : 900.0
            if arguments.first == "--window", arguments.count >= 2 {
                guard let seconds = parseWindow(arguments[1]) else { fail("--window takes 15m, 1h, 24h, 7d …") }
                window = seconds
            } else if !arguments.isEmpty {
                fail("\(command) takes --window DURATION")
            }
            if command == "summary" {
                try view.summary(windowSeconds: window)
            } else {
                try view.host(windowSeconds: window)
            }
        default:
            fail("unknown command \(command) (see --help)")
        }
    } catch {
        fail("\(error)")
    }
}

/// `90s`, `15m`, `1h`, `7d` → seconds.
func parseWindow(_ text: String) -> Double? {
    guard let unit = text.last, let value = Double(text.dropLast()), value > 0 else { return nil }
    switch unit {
    case "s": return value
    case "m": return value * 60
    case "h": return value * 3_600
    case "d": return value * 86_400
    default: return nil
    }
}

runObs()
