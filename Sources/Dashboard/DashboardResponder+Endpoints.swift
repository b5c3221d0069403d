import Storage
import Telemetry

/// A window and a step, checked.
struct SeriesWindow: Sendable {
    var fromMs: Int64
    var toMs: Int64
    var stepMs: Int64

    init(_ p: QueryParameters, nowMs: Int64, defaultMs: Int64) throws(DashboardError) {
        (fromMs, toMs) = try p.window(nowMs: nowMs, defaultMs: defaultMs)
        stepMs = try p.step(spanMs: toMs - fromMs)
    }

    var fromNs: UInt64 { UInt64(fromMs) * 1_000_000 }
    var toNs: UInt64 { UInt64(toMs) * 1_000_000 }
    var stepNs: UInt64 { UInt64(stepMs) * 1_000_000 }

    var json: [(String, JSONValue)] { [("from_ms", .int(fromMs)), ("to_ms", .int(toMs)), ("step_ms", .int(stepMs))] }
}

extension DashboardResponder {
    /// The trace list's filter from the query; the window is `from`/`to` (ms) or `window` before `to`.
    static func traceFilter(_ p: QueryParameters, nowMs: Int64) throws(DashboardError) -> TraceFilter {
        let to = try p.integer("to", in: 0...4_102_444_800_000) ?? nowMs
        let from: Int64
        if let given = try p.integer("from", in: 0...4_102_444_800_000) {
            guard p.values["window"] == nil else {
                throw DashboardError.invalid("window", "give from or window, not both")
            }
            from = given
        } else {
            from =
                to
                - (try p.duration("window", default: 86_400_000, in: 60_000...QueryParameters.maxWindowMs)
                    ?? 86_400_000)
        }
        guard from <= to else { throw DashboardError.invalid("from", "must not be after to") }
        guard to - from <= QueryParameters.maxWindowMs else {
            throw DashboardError.invalid("from", "window over 31 days")
        }
        var cursor: (startNs: UInt64, traceID: String)?
        if let text = try p.token(
            "cursor", maxLength: 60, allowed: { Characters.hex($0) || $0 == "-" }, what: "a cursor from a previous page"
        ) {
            let parts = text.split(separator: "-")
            guard parts.count == 2, parts[0].allSatisfy({ $0.isNumber }), let ns = UInt64(parts[0]),
                parts[1].count == 32
            else { throw DashboardError.invalid("cursor", "not a cursor from a previous page") }
            cursor = (ns, String(parts[1]))
        }
        let status = try p.token("status", maxLength: 5, allowed: Characters.label, what: "ok or error")
        guard status == nil || status == "ok" || status == "error" else {
            throw DashboardError.invalid("status", "expected ok or error")
        }
        let minMs = try p.integer("min_ms", in: 0...86_400_000)
        return TraceFilter(
            fromNs: UInt64(max(0, from)) * 1_000_000, toNs: UInt64(max(0, to)) * 1_000_000,
            route: try p.token("route", maxLength: 64, allowed: Characters.route, what: "a route path such as /chat"),
            model: try p.token("model", maxLength: 128, allowed: Characters.model, what: "a model name"),
            status: status,
            label: try p.token("label", maxLength: 32, allowed: Characters.label, what: "an evaluation label"),
            session: try p.token("session", maxLength: 128, allowed: Characters.session, what: "a session id"),
            minMs: minMs.map(Double.init), text: try p.text("q", maxLength: 200), cursor: cursor,
            limit: Int(try p.integer("limit", in: 1...200) ?? 50))
    }

    func overview(_ q: TelemetryQueries, _ w: SeriesWindow) throws(StorageError) -> JSONValue {
        let summary = try q.summary(fromNs: w.fromNs, toNs: w.toNs)
        let phases = try q.phaseAverages(fromNs: w.fromNs, toNs: w.toNs)
        func number(_ v: Double?) -> JSONValue { v.map { .double($0) } ?? .null }
        let groups: [JSONValue] = summary.groups.map { g in
            .object([
                ("route", .string(g.route)), ("model", .string(g.model)), ("requests", .int(Int64(g.requests))),
                ("errors", .int(Int64(g.errors))), ("p50_ms", number(g.p50Ms)), ("p95_ms", number(g.p95Ms)),
                ("p99_ms", number(g.p99Ms)), ("input_tokens", .int(Int64(g.inputTokens))),
                ("output_tokens", .int(Int64(g.outputTokens))), ("cost", .double(g.cost)),
                ("cold_starts", .int(Int64(g.coldStarts))),
            ])
        }
        let phaseRow = phases.rows.first ?? []
        func phase(_ i: Int) -> JSONValue { phaseRow.count > i ? JSONValue(phaseRow[i]) : .null }
        return .object(
            w.json + [
                ("currency", .string(settings.currency)),
                (
                    "totals",
                    .object([
                        ("requests", .int(Int64(summary.requests))), ("errors", .int(Int64(summary.errors))),
                        ("error_rate", .double(summary.errorRate)), ("p50_ms", number(summary.p50Ms)),
                        ("p95_ms", number(summary.p95Ms)), ("p99_ms", number(summary.p99Ms)),
                        ("ttft_ms", number(summary.averageTTFTMs)), ("input_tokens", .int(Int64(summary.inputTokens))),
                        ("output_tokens", .int(Int64(summary.outputTokens))), ("cost", .double(summary.cost)),
                        ("host_cost", .double(summary.hostCost)), ("cold_starts", .int(Int64(summary.coldStarts))),
                        ("cold_start_wait_ms", .double(summary.coldStartWaitMs)),
                    ])
                ),
                (
                    "phases",
                    .object([
                        ("sampled_requests", phase(0)), ("queue_ms", phase(1)), ("load_ms", phase(2)),
                        ("prompt_eval_ms", phase(3)),
                        ("generation_ms", phase(4)), ("duration_ms", phase(5)),
                    ])
                ),
                ("series", .rows(try q.overviewSeries(fromNs: w.fromNs, toNs: w.toNs, stepNs: w.stepNs))),
                ("groups", .array(groups)),
                (
                    "errors_by_code",
                    summary.errors == 0 ? .array([]) : .rows(try q.errorsByCode(fromNs: w.fromNs, toNs: w.toNs))
                ),
            ])
    }

    func traces(_ q: TelemetryQueries, _ filter: TraceFilter) throws(StorageError) -> JSONValue {
        var table = try q.searchTraces(filter)
        var next: JSONValue = .null
        if table.rows.count > filter.limit {
            table.rows.removeLast()
            if let last = table.rows.last, let ns = last[14].int, let id = last[0].text {
                next = .string("\(ns)-\(id)")
            }
        }
        let cursorColumn = table.columns.firstIndex(of: "cursor_ns")!
        table.columns.remove(at: cursorColumn)
        table.rows = table.rows.map { row in
            var row = row
            row.remove(at: cursorColumn)
            return row
        }
        return .object([
            ("from_ms", .int(Int64(filter.fromNs / 1_000_000))), ("to_ms", .int(Int64(filter.toNs / 1_000_000))),
            ("traces", .rows(table)), ("next_cursor", next),
        ])
    }

    func trace(_ q: TelemetryQueries, _ prefix: String) throws(StorageError) -> JSONValue {
        guard let id = prefix.count == 32 ? prefix : try q.findTraceID(prefix: prefix), let trace = try q.trace(id)
        else { return .object([("trace", .null)]) }
        let c = trace.summary
        func number(_ v: Double?) -> JSONValue { v.map { .double($0) } ?? .null }
        func integer(_ v: Int?) -> JSONValue { v.map { .int(Int64($0)) } ?? .null }
        func text(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
        let startNs = c.startNs
        let spans: [JSONValue] = trace.spans.map { s in
            let attributes: [(String, JSONValue)] = s.attributes.sorted { $0.key < $1.key }.map { key, value in
                let json: JSONValue =
                    switch value {
                    case .bool(let v): .bool(v)
                    case .int(let v): .int(Int64(v))
                    case .double(let v): .double(v)
                    case .string(let v): .string(v)
                    case .strings(let v): .array(v.map { .string($0) })
                    }
                return (key, json)
            }
            return .object([
                ("span_id", .string(s.spanID)), ("parent_id", text(s.parentSpanID)), ("name", .string(s.name)),
                ("kind", .string(s.kind.rawValue)),
                ("start_ms", .double(Double(Int64(s.startNs) - Int64(startNs)) / 1e6)),
                ("duration_ms", .double(Double(Int64(s.endNs) - Int64(s.startNs)) / 1e6)),
                ("error_type", text(s.errorType)), ("attributes", .object(attributes)),
            ])
        }
        let endNs = startNs + UInt64(max(0, c.durationMs) * 1e6)
        let around = (from: startNs > 60_000_000_000 ? startNs - 60_000_000_000 : 0, to: endNs + 60_000_000_000)
        let host: [JSONValue] = try q.hostSamples(fromNs: around.from, toNs: around.to).map {
            .object([
                ("t", .int(Int64($0.timeNs / 1_000_000))), ("cpu_percent", .double($0.cpuPercent)),
                ("memory_used", .int(Int64($0.memoryUsedBytes))), ("memory_total", .int(Int64($0.memoryTotalBytes))),
            ])
        }
        var byRole: [String: [UInt64: (Double, Int64)]] = [:]
        for sample in try q.processSamples(fromNs: around.from, toNs: around.to) {
            let current = byRole[sample.role, default: [:]][sample.timeNs] ?? (0, 0)
            byRole[sample.role, default: [:]][sample.timeNs] = (
                current.0 + sample.cpuPercent, current.1 + Int64(sample.rssBytes)
            )
        }
        let processes: [JSONValue] = byRole.sorted { $0.key < $1.key }.flatMap { role, samples in
            samples.sorted { $0.key < $1.key }.map { time, value in
                JSONValue.object([
                    ("t", .int(Int64(time / 1_000_000))), ("role", .string(role)), ("cpu_percent", .double(value.0)),
                    ("rss", .int(value.1)),
                ])
            }
        }
        let summary: [(String, JSONValue)] = [
            ("trace_id", .string(c.traceID)), ("request_id", .string(c.requestID)),
            ("start_ms", .int(Int64(c.startNs / 1_000_000))), ("duration_ms", .double(c.durationMs)),
            ("route", .string(c.route)), ("model", text(c.model)), ("provider", text(c.provider)),
            ("status", .int(Int64(c.status))), ("error_code", text(c.errorCode)),
            ("error_message", text(c.errorMessage)),
            ("session_id", text(c.sessionID)), ("input_tokens", integer(c.inputTokens)),
            ("output_tokens", integer(c.outputTokens)), ("ttft_ms", number(c.ttftMs)),
            ("tokens_per_second", number(c.tokensPerSecond)), ("cold_start", .bool(c.coldStart)),
            ("cost", number(c.cost)), ("host_cost", number(c.hostCost)), ("input", text(c.inputMasked)),
            ("output", text(c.outputMasked)), ("streamed", .bool(c.streamed)),
            ("client_disconnected", .bool(c.clientDisconnected)),
        ]
        // Phases laid end to end in the order a chat goes through them; durations are the backend's own.
        var offset = 0.0
        var phases: [JSONValue] = []
        for (name, value) in [
            ("queue", c.queueMs), ("model.load", c.loadMs), ("prompt.eval", c.promptEvalMs),
            ("generate", c.generationMs),
        ] {
            guard let value, value > 0 else { continue }
            phases.append(
                .object([("name", .string(name)), ("start_ms", .double(offset)), ("duration_ms", .double(value))]))
            offset += value
        }
        let evaluations: [JSONValue] = trace.evaluations.map {
            .object([
                ("name", .string($0.name)), ("label", .string($0.label)), ("score", .double($0.score)),
                ("reason", .string($0.reason)),
            ])
        }
        return .object([
            ("trace", .object(summary)), ("phases", .array(phases)), ("spans", .array(spans)),
            ("evaluations", .array(evaluations)), ("currency", .string(settings.currency)),
            ("host", .array(host)), ("processes", .array(processes)),
            ("rum", .rows(try q.rumEvents(traceID: c.traceID))),
        ])
    }

    func evaluations(_ q: TelemetryQueries, _ w: SeriesWindow) throws(StorageError) -> JSONValue {
        .object(
            w.json + [
                ("counts", .rows(try q.evaluationCounts(fromNs: w.fromNs, toNs: w.toNs))),
                ("series", .rows(try q.evaluationSeries(fromNs: w.fromNs, toNs: w.toNs, stepNs: w.stepNs))),
                ("flagged", .rows(try q.flaggedEvaluations(fromNs: w.fromNs, toNs: w.toNs, limit: 50))),
            ])
    }

    func infrastructure(_ q: TelemetryQueries, _ w: SeriesWindow) throws(StorageError) -> JSONValue {
        let summary = try q.summary(fromNs: w.fromNs, toNs: w.toNs)
        // Residency samples → one segment per continuous stay of a model in memory.
        var segments: [(backend: String, model: String, from: UInt64, to: UInt64, size: Int64)] = []
        var open: [String: Int] = [:]
        let gapNs: UInt64 = 120_000_000_000
        for sample in try q.residency(fromNs: w.fromNs, toNs: w.toNs) where !sample.model.isEmpty {
            let key = sample.backend + "\u{0}" + sample.model
            if let index = open[key], sample.timeNs - segments[index].to <= gapNs {
                segments[index].to = sample.timeNs
                segments[index].size = max(segments[index].size, Int64(sample.sizeBytes ?? 0))
            } else {
                open[key] = segments.count
                segments.append(
                    (sample.backend, sample.model, sample.timeNs, sample.timeNs, Int64(sample.sizeBytes ?? 0)))
            }
        }
        let residentBytes = segments.map(\.size).max() ?? 0
        let residency: [JSONValue] = segments.map { s in
            .object([
                ("backend", .string(s.backend)), ("model", .string(s.model)),
                ("from_ms", .int(Int64(s.from / 1_000_000))), ("to_ms", .int(Int64(s.to / 1_000_000))),
                ("size", .int(s.size)), ("unloaded", .bool(s.to + gapNs < w.toNs)),
            ])
        }
        let waitSeconds = summary.coldStartWaitMs / 1000
        let advice: String
        if summary.coldStarts == 0 {
            advice = "No cold starts in this window: the models stayed loaded when they were needed."
        } else {
            let gb = Double(residentBytes) / 1e9
            advice =
                "\(summary.coldStarts) cold starts cost \(Self.format(waitSeconds)) s of user waiting in this window; "
                + "a longer keep_alive would avoid them"
                + (residentBytes > 0 ? ", at \(Self.format(gb)) GB resident." : ".")
        }
        return .object(
            w.json + [
                ("host", .rows(try q.hostSeries(fromNs: w.fromNs, toNs: w.toNs, stepNs: w.stepNs))),
                ("processes", .rows(try q.processSeries(fromNs: w.fromNs, toNs: w.toNs, stepNs: w.stepNs))),
                ("residency", .array(residency)),
                ("cold_starts", .rows(try q.coldStarts(fromNs: w.fromNs, toNs: w.toNs, limit: 100))),
                (
                    "advice",
                    .object([
                        ("cold_starts", .int(Int64(summary.coldStarts))), ("wait_seconds", .double(waitSeconds)),
                        ("resident_bytes", .int(residentBytes)), ("text", .string(advice)),
                    ])
                ),
            ])
    }

    func rum(_ q: TelemetryQueries, _ w: SeriesWindow) throws(StorageError) -> JSONValue {
        let totals = try q.rumTotals(fromNs: w.fromNs, toNs: w.toNs)
        let hasData = (totals.rows.first?.first?.int ?? 0) > 0
        func breakdown(
            _ type: String, _ d: TelemetryQueries.RUMDimension, _ limit: Int = 20
        ) throws(StorageError)
            -> JSONValue
        {
            hasData
                ? .rows(try q.rumBreakdown(fromNs: w.fromNs, toNs: w.toNs, type: type, dimension: d, limit: limit))
                : .array([])
        }
        // The four view breakdowns share one read of the newest views.
        let views: [JSONValue] =
            hasData
            ? try q.rumBreakdowns(
                fromNs: w.fromNs, toNs: w.toNs, type: "view", dimensions: [.country, .browser, .os, .device], limit: 20
            ).map { JSONValue.rows($0) }
            : Array(repeating: .array([]), count: 4)
        return .object(
            w.json + [
                ("has_data", .bool(hasData)),
                ("totals", hasData ? (JSONValue.rows(totals).firstElement ?? .null) : .null),
                ("vitals", .rows(try q.rumVitals(fromNs: w.fromNs, toNs: w.toNs))),
                ("errors", try breakdown("error", .errorMessage)),
                ("actions", try breakdown("action", .name)),
                (
                    "action_counts",
                    hasData ? .rows(try q.rumActionCounts(fromNs: w.fromNs, toNs: w.toNs)) : .array([])
                ),
                ("countries", views[0]),
                ("browsers", views[1]),
                ("os", views[2]),
                ("devices", views[3]),
                (
                    "recent_actions",
                    hasData ? .rows(try q.rumRecentActions(fromNs: w.fromNs, toNs: w.toNs, limit: 30)) : .array([])
                ),
                ("geo_attribution", "IP Geolocation by DB-IP"),
            ])
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}

extension JSONValue {
    var firstElement: JSONValue? {
        if case .array(let items) = self { return items.first }
        return nil
    }
}
