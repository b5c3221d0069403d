import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// Renders the store's contents as plain text for a terminal.
struct TerminalView {
    let queries: TelemetryQueries

    func traces(limit: Int, errorsOnly: Bool) throws(StorageError) {
        var chats = try queries.recentChats(limit: errorsOnly ? limit * 20 : limit)
        if errorsOnly { chats = Array(chats.filter(\.isError).prefix(limit)) }
        guard !chats.isEmpty else {
            print(errorsOnly ? "No failed chats stored." : "No chats stored yet.")
            return
        }
        print(
            row(
                ["time", "trace", "route", "model", "status", "total", "ttft", "tokens", "cold", "evaluations"],
                [8, 12, 10, 16, 18, 8, 8, 9, 5, 0]))
        for chat in chats {
            let flags =
                try queries.trace(chat.traceID)?.evaluations.filter {
                    !["ok", "pass", "none", "relevant", "safe", "unknown"].contains($0.label)
                }
                .map { "\($0.name)=\($0.label)" }.joined(separator: " ") ?? ""
            let status = chat.errorCode.map { "\(chat.status) \($0)" } ?? String(chat.status)
            print(
                row(
                    [
                        clock(chat.startNs), String(chat.traceID.prefix(10)), chat.route, chat.model ?? "-", status,
                        ms(chat.durationMs), chat.ttftMs.map(ms) ?? "-",
                        "\(chat.inputTokens.map(String.init) ?? "-")/\(chat.outputTokens.map(String.init) ?? "-")",
                        chat.coldStart ? "yes" : "", flags,
                    ],
                    [8, 12, 10, 16, 18, 8, 8, 9, 5, 0]))
        }
    }

    func trace(_ id: String) throws(StorageError) {
        guard let traceID = try queries.findTraceID(prefix: id.lowercased()), let trace = try queries.trace(traceID)
        else {
            print("No chat with trace or request id \(id).")
            return
        }
        let c = trace.summary
        print("trace \(c.traceID)  request \(c.requestID)  \(clock(c.startNs)) UTC")
        print(
            "\(c.route) → \(c.model ?? "-") (\(c.provider ?? "-"))  status \(c.status)\(c.errorCode.map { "  \($0)" } ?? "")"
        )
        if let message = c.errorMessage { print("error: \(message)") }
        print(
            "total \(ms(c.durationMs))  ttft \(c.ttftMs.map(ms) ?? "-")  queue \(c.queueMs.map(ms) ?? "-")  tokens in/out \(c.inputTokens.map(String.init) ?? "-")/\(c.outputTokens.map(String.init) ?? "-")  \(c.tokensPerSecond.map { formatFixed($0, digits: 1) + " tok/s" } ?? "")"
        )
        if c.coldStart, let load = c.loadMs {
            print("cold start: the model was loaded first (\(ms(load)) of \(ms(c.durationMs)))")
        }
        if let cost = c.cost { print("cost: \(money(cost)) (cloud-equivalent)") }
        if let cost = c.hostCost { print("host cost: \(money(cost))") }
        print("")
        waterfall(trace.spans, start: c.startNs, total: max(1, UInt64(c.durationMs * 1e6)))
        print("")
        print("input:  \(c.inputMasked ?? "(not stored)")")
        print("output: \(c.outputMasked ?? "(not stored)")")
        if !trace.evaluations.isEmpty {
            print("")
            print("evaluations:")
            for e in trace.evaluations {
                print("  \(e.name.padded(18)) \(e.label.padded(12)) \(formatFixed(e.score, digits: 2))  \(e.reason)")
            }
        }
        let around = try queries.hostSamples(
            fromNs: c.startNs - 10_000_000_000, toNs: c.startNs + UInt64(c.durationMs * 1e6) + 10_000_000_000)
        if !around.isEmpty {
            let peak = around.map(\.cpuPercent).max() ?? 0
            let memory = around.map(\.memoryUsedBytes).max() ?? 0
            let runner = try queries.processSamples(fromNs: around.first!.timeNs, toNs: around.last!.timeNs)
                .filter { $0.role == "runner" }.map(\.cpuPercent).max()
            print("")
            print(
                "host around it: CPU peak \(formatFixed(peak, digits: 0))%  memory peak \(memory >> 20) MiB\(runner.map { "  model runner peak \(formatFixed($0, digits: 0))% of a core" } ?? "")"
            )
        }
    }

    func summary(windowSeconds: Double) throws(StorageError) {
        let now = wallClockNanoseconds()
        let from = now - UInt64(windowSeconds * 1e9)
        let s = try queries.summary(fromNs: from, toNs: now)
        print(
            "last \(describe(windowSeconds)): \(s.requests) requests, \(s.errors) errors (\(formatFixed(s.errorRate * 100, digits: 1))%)"
        )
        guard s.requests > 0 else { return }
        print(
            "latency p50 \(s.p50Ms.map(ms) ?? "-")  p95 \(s.p95Ms.map(ms) ?? "-")  p99 \(s.p99Ms.map(ms) ?? "-")  avg ttft \(s.averageTTFTMs.map(ms) ?? "-")"
        )
        print("tokens in \(s.inputTokens) out \(s.outputTokens)  cost \(money(s.cost))  host cost \(money(s.hostCost))")
        if s.coldStarts > 0 {
            print("cold starts: \(s.coldStarts), users waited \(ms(s.coldStartWaitMs)) for model loads")
        }
        print("")
        print(
            row(
                ["route", "model", "requests", "errors", "p50", "p95", "p99", "tokens out", "cold"],
                [10, 18, 9, 7, 8, 8, 8, 11, 0]))
        for g in s.groups {
            print(
                row(
                    [
                        g.route, g.model, String(g.requests), String(g.errors), g.p50Ms.map(ms) ?? "-",
                        g.p95Ms.map(ms) ?? "-",
                        g.p99Ms.map(ms) ?? "-", String(g.outputTokens), String(g.coldStarts),
                    ],
                    [10, 18, 9, 7, 8, 8, 8, 11, 0]))
        }
    }

    func host(windowSeconds: Double) throws(StorageError) {
        let now = wallClockNanoseconds()
        let samples = try queries.hostSamples(fromNs: now - UInt64(windowSeconds * 1e9), toNs: now)
        guard !samples.isEmpty else {
            print("No host samples in the last \(describe(windowSeconds)); is KagamiSampler running?")
            return
        }
        let processes = try queries.processSamples(fromNs: samples.first!.timeNs, toNs: now)
        var runnerByTime: [UInt64: Double] = [:]
        for p in processes where p.role == "runner" { runnerByTime[p.timeNs, default: 0] += p.cpuPercent }
        print(row(["time", "cpu", "memory", "runner cpu"], [10, 8, 16, 0]))
        for s in samples {
            print(
                row(
                    [
                        clock(s.timeNs), formatFixed(s.cpuPercent, digits: 0) + "%", "\(s.memoryUsedBytes >> 20) MiB",
                        runnerByTime[s.timeNs].map { formatFixed($0, digits: 0) + "%" } ?? "-",
                    ],
                    [10, 8, 16, 0]))
        }
    }

    /// One line per span, parents before their children (children by start time), indented by depth, with a
    /// bar placed on the request's timeline.
    private func waterfall(_ spans: [Span], start: UInt64, total: UInt64) {
        let ids = Set(spans.map(\.spanID))
        var children: [String: [Span]] = [:]
        for span in spans {
            children[span.parentSpanID.flatMap { ids.contains($0) ? $0 : nil } ?? "", default: []].append(span)
        }
        var ordered: [(Span, Int)] = []
        func visit(_ parent: String, _ level: Int) {
            for span in (children[parent] ?? []).sorted(by: { ($0.startNs, $0.endNs) < ($1.startNs, $1.endNs) }) {
                ordered.append((span, level))
                visit(span.spanID, level + 1)
            }
        }
        visit("", 0)
        let width = 40
        for (span, level) in ordered {
            let offset = Int(Double(span.startNs &- min(span.startNs, start)) / Double(total) * Double(width))
            let length = max(1, Int(Double(span.durationNs) / Double(total) * Double(width)))
            let bar =
                String(repeating: " ", count: min(offset, width))
                + String(repeating: "█", count: min(length, max(1, width - offset)))
            let label = (String(repeating: "  ", count: level) + span.name).padded(34)
            print(
                "\(label) \(bar.padded(width + 1)) \(ms(Double(span.durationNs) / 1e6))\(span.errorType.map { "  ✗ \($0)" } ?? "")"
            )
        }
    }
}

func ms(_ value: Double) -> String {
    value >= 10_000
        ? formatFixed(value / 1000, digits: 1) + " s"
        : value >= 1000
            ? formatFixed(value / 1000, digits: 2) + " s" : formatFixed(value, digits: value < 10 ? 1 : 0) + " ms"
}

/// Money with enough decimals to show small amounts (three significant digits below 1).
func money(_ value: Double) -> String {
    guard value > 0 else { return "0" }
    var digits = 2
    while digits < 10 && value * pow(10, Double(digits)) < 100 { digits += 1 }
    return formatFixed(value, digits: digits)
}

func clock(_ ns: UInt64) -> String {
    var seconds = Int(ns / 1_000_000_000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
}

func describe(_ seconds: Double) -> String {
    seconds >= 86_400
        ? "\(formatFixed(seconds / 86_400, digits: 0))d"
        : seconds >= 3_600 ? "\(formatFixed(seconds / 3_600, digits: 0))h" : "\(formatFixed(seconds / 60, digits: 0))m"
}

func row(_ cells: [String], _ widths: [Int]) -> String {
    zip(cells, widths).map { $1 == 0 ? $0 : $0.padded($1) }.joined(separator: " ")
}

extension String {
    func padded(_ width: Int) -> String {
        let visible = count
        return visible >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - visible)
    }
}
