/// Rows of one dashboard query: column names (the API's field names, chosen by the SQL aliases) and values.
public struct QueryTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[SQLiteValue]]

    public init(columns: [String], rows: [[SQLiteValue]]) {
        self.columns = columns
        self.rows = rows
    }
}

/// What the trace list may be narrowed by; every field is bound as a parameter, never spliced into SQL.
public struct TraceFilter: Sendable, Equatable {
    public var fromNs: UInt64
    public var toNs: UInt64
    public var route: String?
    public var model: String?
    /// `ok` (status < 400, no error code) or `error`.
    public var status: String?
    /// An evaluation label (`fail`, `detected`, …) any evaluation of the chat carries.
    public var label: String?
    public var session: String?
    public var minMs: Double?
    /// Text searched in the masked prompt (LIKE, with `%`, `_` and `\` escaped).
    public var text: String?
    /// Keyset cursor: chats strictly older than (`startNs`, `traceID`).
    public var cursor: (startNs: UInt64, traceID: String)?
    public var limit: Int

    public init(
        fromNs: UInt64, toNs: UInt64, route: String? = nil, model: String? = nil, status: String? = nil,
        label: String? = nil, session: String? = nil, minMs: Double? = nil, text: String? = nil,
        cursor: (startNs: UInt64, traceID: String)? = nil, limit: Int = 50
    ) {
        self.fromNs = fromNs
        self.toNs = toNs
        self.route = route
        self.model = model
        self.status = status
        self.label = label
        self.session = session
        self.minMs = minMs
        self.text = text
        self.cursor = cursor
        self.limit = limit
    }

    public static func == (a: TraceFilter, b: TraceFilter) -> Bool {
        a.fromNs == b.fromNs && a.toNs == b.toNs && a.route == b.route && a.model == b.model && a.status == b.status
            && a.label == b.label && a.session == b.session && a.minMs == b.minMs && a.text == b.text
            && a.cursor?.startNs == b.cursor?.startNs && a.cursor?.traceID == b.cursor?.traceID && a.limit == b.limit
    }
}

/// The dashboard API's queries. Windows are `[fromNs, toNs]`; steps bucket time from `fromNs`.
extension TelemetryQueries {
    func table(_ columns: [String], _ sql: String, _ values: [SQLiteValue]) throws(StorageError) -> QueryTable {
        QueryTable(columns: columns, rows: try database.prepare(sql).rows(values))
    }

    /// Requests, errors, latency percentiles, TTFT, tokens and cost per step, from the per-minute rollups.
    /// Column `t` is the step's start (ms since the epoch).
    public func overviewSeries(fromNs: UInt64, toNs: UInt64, stepNs: UInt64) throws(StorageError) -> QueryTable {
        let stepMinutes = max(1, Int64(stepNs / 60_000_000_000))
        let fromMinute = Int64(fromNs / 60_000_000_000)
        let buckets = (0...14).map { "SUM(b\($0))" }.joined(separator: ", ")
        let rows = try database.prepare(
            """
            SELECT (minute - ?1) / ?3 AS step, SUM(requests), SUM(errors), SUM(latency_sum_ms), SUM(ttft_sum_ms),
                SUM(ttft_count), SUM(input_tokens), SUM(output_tokens), SUM(cost), SUM(cold_starts), \(buckets)
            FROM rollup_minute WHERE minute >= ?1 AND minute <= ?2 GROUP BY step ORDER BY step
            """
        ).rows([.int(fromMinute), .int(Int64(toNs / 60_000_000_000)), .int(stepMinutes)])
        let columns = [
            "t", "requests", "errors", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "ttft_ms", "input_tokens",
            "output_tokens", "cost", "cold_starts",
        ]
        let out: [[SQLiteValue]] = rows.map { row in
            let counts = (10..<25).map { Int(row[$0].int ?? 0) }
            let requests = row[1].int ?? 0
            let ttftCount = row[5].int ?? 0
            func number(_ value: Double?) -> SQLiteValue { value.map { .double($0) } ?? .null }
            return [
                .int(((row[0].int ?? 0) * stepMinutes + fromMinute) * 60_000), .int(requests), row[2],
                requests > 0 ? .double((row[3].double ?? 0) / Double(requests)) : .null,
                number(Self.percentile(0.50, counts)), number(Self.percentile(0.95, counts)),
                number(Self.percentile(0.99, counts)),
                ttftCount > 0 ? .double((row[4].double ?? 0) / Double(ttftCount)) : .null, row[6], row[7], row[8],
                row[9],
            ]
        }
        return QueryTable(columns: columns, rows: out)
    }

    /// Failed chats by error code (`http_<status>` when the chat had none), among the latest `sample` failures
    /// of the window, read backwards off the partial index of failed chats (`chats_failed`, migration 3): only
    /// failures are visited, so a busy day with few failures stays fast.
    public func errorsByCode(fromNs: UInt64, toNs: UInt64, sample: Int = 1_000) throws(StorageError) -> QueryTable {
        try table(
            ["code", "count"],
            """
            SELECT code, COUNT(*) AS n FROM (
                SELECT COALESCE(error_code, 'http_' || status) AS code FROM chats INDEXED BY chats_failed
                WHERE start_ns BETWEEN ?1 AND ?2 AND (status >= 400 OR error_code IS NOT NULL)
                ORDER BY start_ns DESC LIMIT ?3)
            GROUP BY code ORDER BY n DESC, code LIMIT 50
            """, [.int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(sample))])
    }

    /// Where the time went: average queue, model load, prompt evaluation and generation (ms) over the latest
    /// `sample` chats of the window (column `requests` says how many that was). The rollups carry no phase
    /// sums, and averaging a million rows would cost a second.
    public func phaseAverages(
        fromNs: UInt64, toNs: UInt64, sample: Int = 10_000
    ) throws(StorageError)
        -> QueryTable
    {
        try table(
            ["requests", "queue_ms", "load_ms", "prompt_eval_ms", "generation_ms", "duration_ms"],
            """
            SELECT COUNT(*), AVG(COALESCE(queue_ms, 0)), AVG(COALESCE(load_ms, 0)), AVG(COALESCE(prompt_eval_ms, 0)),
                AVG(COALESCE(generation_ms, 0)), AVG(duration_ms)
            FROM (SELECT queue_ms, load_ms, prompt_eval_ms, generation_ms, duration_ms FROM chats
                  WHERE start_ns BETWEEN ?1 AND ?2 ORDER BY start_ns DESC LIMIT ?3)
            """, [.int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(sample))])
    }

    /// The trace list, newest first, one page (`limit` + 1 rows are read to know whether there is more).
    public func searchTraces(_ filter: TraceFilter) throws(StorageError) -> QueryTable {
        func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
        let pattern = filter.text.map { text in
            "%"
                + text.replacing("\\", with: "\\\\").replacing("%", with: "\\%")
                .replacing("_", with: "\\_") + "%"
        }
        return try table(
            [
                "trace_id", "start_ms", "duration_ms", "route", "model", "status", "error_code", "session_id",
                "input_tokens", "output_tokens", "ttft_ms", "cold_start", "cost", "input", "cursor_ns", "labels",
            ],
            """
            SELECT c.trace_id, c.start_ns / 1000000, c.duration_ms, c.route, c.model, c.status, c.error_code,
                c.session_id, c.input_tokens, c.output_tokens, c.ttft_ms, c.cold_start, c.cost, c.input_masked,
                c.start_ns,
                (SELECT group_concat(e.name || '=' || e.label) FROM evaluations e WHERE e.trace_id = c.trace_id)
            FROM chats c
            WHERE c.start_ns BETWEEN ?1 AND ?2
              AND (?3 IS NULL OR c.route = ?3) AND (?4 IS NULL OR c.model = ?4)
              AND (?5 IS NULL OR (?5 = 'error') = (c.status >= 400 OR c.error_code IS NOT NULL))
              AND (?6 IS NULL OR EXISTS (SELECT 1 FROM evaluations e WHERE e.trace_id = c.trace_id AND e.label = ?6))
              AND (?7 IS NULL OR c.session_id = ?7) AND (?8 IS NULL OR c.duration_ms >= ?8)
              AND (?9 IS NULL OR c.input_masked LIKE ?9 ESCAPE '\\')
              AND (?10 IS NULL OR c.start_ns < ?10 OR (c.start_ns = ?10 AND c.trace_id < ?11))
            ORDER BY c.start_ns DESC, c.trace_id DESC LIMIT ?12
            """,
            [
                .int(Int64(filter.fromNs)), .int(Int64(filter.toNs)), text(filter.route), text(filter.model),
                text(filter.status), text(filter.label), text(filter.session),
                filter.minMs.map { .double($0) } ?? .null,
                text(pattern), filter.cursor.map { .int(Int64($0.startNs)) } ?? .null, text(filter.cursor?.traceID),
                .int(Int64(filter.limit + 1)),
            ])
    }

    /// The browser events that carried `traceID` (the user's action that started the chat).
    public func rumEvents(traceID: String) throws(StorageError) -> QueryTable {
        try table(
            ["time_ms", "session_id", "view_id", "type", "name", "value", "attributes", "browser", "os", "device"],
            """
            SELECT time_ns / 1000000, session_id, view_id, type, name, value, attributes, browser, os, device
            FROM rum_events WHERE trace_id = ?1 ORDER BY time_ns LIMIT 20
            """, [.text(traceID)])
    }

    /// Evaluation results by evaluator and label, from the per-minute rollups (whole minutes of the window).
    public func evaluationCounts(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> QueryTable {
        try table(
            ["name", "label", "count", "avg_score"],
            """
            SELECT name, label, SUM(count), SUM(score_sum) / SUM(count) FROM rollup_evaluation_minute
            WHERE minute >= ?1 AND minute <= ?2 GROUP BY name, label ORDER BY name, label
            """, Self.minutes(fromNs, toNs))
    }

    /// Per step and evaluator: how many results, how many flagged (a label other than pass/ok/none), from the
    /// per-minute rollups. Column `t` is the step's start (ms since the epoch).
    public func evaluationSeries(fromNs: UInt64, toNs: UInt64, stepNs: UInt64) throws(StorageError) -> QueryTable {
        let stepMinutes = max(1, Int64(stepNs / 60_000_000_000))
        return try table(
            ["t", "name", "count", "flagged"],
            """
            SELECT ((minute - ?1) / ?3 * ?3 + ?1) * 60000 AS t, name, SUM(count),
                SUM(CASE WHEN label NOT IN ('pass', 'ok', 'none') THEN count ELSE 0 END)
            FROM rollup_evaluation_minute WHERE minute >= ?1 AND minute <= ?2 GROUP BY t, name ORDER BY t, name
            """, Self.minutes(fromNs, toNs) + [.int(stepMinutes)])
    }

    /// The flagged results, most recent first, with the chat's masked prompt. The rollups say which
    /// (evaluator, label) pairs were flagged in the window; each pair's newest rows come off
    /// `evaluations_by_label`, so this never walks the whole window.
    public func flaggedEvaluations(fromNs: UInt64, toNs: UInt64, limit: Int) throws(StorageError) -> QueryTable {
        let pairs = try database.prepare(
            """
            SELECT DISTINCT name, label FROM rollup_evaluation_minute
            WHERE minute >= ?1 AND minute <= ?2 AND label NOT IN ('pass', 'ok', 'none')
            """
        ).rows(Self.minutes(fromNs, toNs))
        let newest = try database.prepare(
            """
            SELECT e.trace_id, e.start_ns / 1000000, e.name, e.label, e.score, e.reason, c.route, c.model,
                c.input_masked, e.start_ns
            FROM evaluations e INDEXED BY evaluations_by_label LEFT JOIN chats c ON c.trace_id = e.trace_id
            WHERE e.name = ?3 AND e.label = ?4 AND e.start_ns BETWEEN ?1 AND ?2 ORDER BY e.start_ns DESC LIMIT ?5
            """)
        var rows: [[SQLiteValue]] = []
        for pair in pairs {
            rows += try newest.rows([.int(Int64(fromNs)), .int(Int64(toNs)), pair[0], pair[1], .int(Int64(limit))])
        }
        rows.sort { a, b in
            let (x, y) = (a[9].int ?? 0, b[9].int ?? 0)
            return x != y ? x > y : (a[0].text ?? "", a[2].text ?? "") > (b[0].text ?? "", b[2].text ?? "")
        }
        return QueryTable(
            columns: ["trace_id", "time_ms", "name", "label", "score", "reason", "route", "model", "input"],
            rows: rows.prefix(limit).map { Array($0.prefix(9)) })
    }

    /// `[fromNs, toNs]` as the minutes the rollups are keyed by (`?1`, `?2`).
    static func minutes(_ fromNs: UInt64, _ toNs: UInt64) -> [SQLiteValue] {
        [.int(Int64(fromNs / 60_000_000_000)), .int(Int64(toNs / 60_000_000_000))]
    }

    /// Host CPU and memory averaged per step.
    public func hostSeries(fromNs: UInt64, toNs: UInt64, stepNs: UInt64) throws(StorageError) -> QueryTable {
        try table(
            ["t", "cpu_percent", "cpu_max", "memory_used", "memory_total", "load1"],
            """
            SELECT ((time_ns - ?1) / ?3) * (?3 / 1000000) + ?1 / 1000000 AS t, AVG(cpu_percent), MAX(cpu_percent),
                CAST(AVG(memory_used) AS INTEGER), MAX(memory_total), AVG(load1)
            FROM host_samples WHERE time_ns BETWEEN ?1 AND ?2 GROUP BY t ORDER BY t
            """, [.int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(max(stepNs, 1_000_000)))])
    }

    /// Per step and role (`runner`, `kagami`, `other`…): CPU (% of all cores) and RSS summed over processes,
    /// averaged over the samples of the step. One grouping: a role's sum over the step's rows divided by the
    /// samples it appears in is the average of its per-sample sums.
    public func processSeries(fromNs: UInt64, toNs: UInt64, stepNs: UInt64) throws(StorageError) -> QueryTable {
        try table(
            ["t", "role", "cpu_percent", "rss"],
            """
            SELECT ((time_ns - ?1) / ?3) * (?3 / 1000000) + ?1 / 1000000 AS t, role,
                TOTAL(cpu_percent) / COUNT(DISTINCT time_ns), CAST(TOTAL(rss) / COUNT(DISTINCT time_ns) AS INTEGER)
            FROM process_samples WHERE time_ns BETWEEN ?1 AND ?2
            GROUP BY t, role ORDER BY t, role
            """, [.int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(max(stepNs, 1_000_000)))])
    }

    /// Chats that waited for a model load, newest first (from the covering partial index `chats_cold`).
    public func coldStarts(fromNs: UInt64, toNs: UInt64, limit: Int) throws(StorageError) -> QueryTable {
        try table(
            ["trace_id", "time_ms", "route", "model", "load_ms", "duration_ms"],
            """
            SELECT trace_id, start_ns / 1000000, route, model, load_ms, duration_ms FROM chats INDEXED BY chats_cold
            WHERE start_ns BETWEEN ?1 AND ?2 AND cold_start = 1 ORDER BY start_ns DESC LIMIT ?3
            """, [.int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(limit))])
    }

    /// Web vitals (`WebVitals.thresholds`): count and the good / needs-improvement / poor split from the
    /// per-minute rollups; p75 over the newest `sample` vital events of the window (column `p75_of` says how
    /// many values of that vital that was), read backwards off `rum_by_type`.
    public func rumVitals(fromNs: UInt64, toNs: UInt64, sample: Int = 10_000) throws(StorageError) -> QueryTable {
        var split: [String: [SQLiteValue]] = [:]
        for row in try database.prepare(
            """
            SELECT name, SUM(count), SUM(good), SUM(needs_improvement), SUM(poor) FROM rollup_rum_minute
            WHERE type = 'vital' AND minute >= ?1 AND minute <= ?2 GROUP BY name
            """
        ).rows(Self.minutes(fromNs, toNs)) {
            split[row[0].text ?? ""] = Array(row[1...])
        }
        var values: [String: [Double]] = [:]
        if !split.isEmpty {
            for row in try database.prepare(
                """
                SELECT name, value FROM rum_events INDEXED BY rum_by_type
                WHERE type = 'vital' AND time_ns BETWEEN ?1 AND ?2 AND value IS NOT NULL
                ORDER BY time_ns DESC LIMIT ?3
                """
            ).rows([.int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(sample))]) {
                if let name = row[0].text, let value = row[1].double { values[name, default: []].append(value) }
            }
        }
        let rows: [[SQLiteValue]] = WebVitals.thresholds.map { vital in
            let counts = split[vital.name] ?? [.int(0), .int(0), .int(0), .int(0)]
            let sorted = (values[vital.name] ?? []).sorted()
            let p75: SQLiteValue = sorted.isEmpty ? .null : .double(sorted[Int(Double(sorted.count - 1) * 0.75)])
            return [
                .text(vital.name), counts[0], p75, counts[1], counts[2], counts[3], .double(vital.good),
                .double(vital.poor), .int(Int64(sorted.count)),
            ]
        }
        return QueryTable(
            columns: ["name", "count", "p75", "good", "needs_improvement", "poor", "good_max", "poor_min", "p75_of"],
            rows: rows)
    }

    /// A RUM breakdown: events of `type` (or all, `nil`) counted by one of a fixed set of dimensions.
    public enum RUMDimension: String, Sendable, CaseIterable {
        case country, browser, os, device
        case errorMessage = "json_extract(attributes, '$.message')"
        case name
    }

    /// Counts of `type` events (and their sessions) by `dimension`, largest first, among the newest `sample`
    /// events of that type in the window (read backwards off `rum_by_type`, so a busy day stays fast; exact
    /// whenever the window holds fewer). Exact counts by type and name are in `rollup_rum_minute`.
    public func rumBreakdown(
        fromNs: UInt64, toNs: UInt64, type: String, dimension: RUMDimension, limit: Int, sample: Int = 5_000
    ) throws(StorageError) -> QueryTable {
        // The dimension is one of RUMDimension's fixed expressions, never text from a request.
        try table(
            ["key", "count", "sessions", "avg_value", "last_ms"],
            """
            SELECT COALESCE(\(dimension.rawValue), '') AS k, COUNT(*) AS n, COUNT(DISTINCT session_id), AVG(value),
                MAX(time_ns) / 1000000
            FROM (SELECT * FROM rum_events INDEXED BY rum_by_type WHERE type = ?3 AND time_ns BETWEEN ?1 AND ?2
                  ORDER BY time_ns DESC LIMIT ?5)
            GROUP BY k ORDER BY n DESC LIMIT ?4
            """,
            [.int(Int64(fromNs)), .int(Int64(toNs)), .text(type), .int(Int64(limit)), .int(Int64(sample))])
    }

    /// Several breakdowns of the same events in one read: counts of `type` events (and their sessions) by each
    /// of `dimensions`, largest first (ties by key), among the newest `sample` events of that type in the window.
    /// The same figures as `rumBreakdown` for each dimension, for one walk of `rum_by_type` instead of one each.
    public func rumBreakdowns(
        fromNs: UInt64, toNs: UInt64, type: String, dimensions: [RUMDimension], limit: Int, sample: Int = 5_000
    ) throws(StorageError) -> [QueryTable] {
        // The dimensions are RUMDimension's fixed expressions, never text from a request.
        let keys = dimensions.map { "COALESCE(\($0.rawValue), '')" }.joined(separator: ", ")
        let rows = try database.prepare(
            """
            SELECT session_id, value, time_ns, \(keys) FROM rum_events INDEXED BY rum_by_type
            WHERE type = ?3 AND time_ns BETWEEN ?1 AND ?2 ORDER BY time_ns DESC LIMIT ?4
            """
        ).rows([.int(Int64(fromNs)), .int(Int64(toNs)), .text(type), .int(Int64(sample))])
        struct Group {
            var count = 0
            var sessions = Set<String>()
            var valueSum = 0.0
            var valueCount = 0
            var lastNs: Int64 = .min

            mutating func add(session: String, value: Double?, timeNs: Int64) {
                count += 1
                sessions.insert(session)
                if let value {
                    valueSum += value
                    valueCount += 1
                }
                lastNs = max(lastNs, timeNs)
            }
        }
        return dimensions.indices.map { index in
            var groups: [String: Group] = [:]
            for row in rows {
                // Modified in place (a copy taken out and put back would copy its set of sessions every time).
                groups[row[3 + index].text ?? "", default: Group()].add(
                    session: row[0].text ?? "", value: row[1].double, timeNs: row[2].int ?? 0)
            }
            let sorted = groups.sorted {
                $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key
            }
            return QueryTable(
                columns: ["key", "count", "sessions", "avg_value", "last_ms"],
                rows: sorted.prefix(limit).map { key, group in
                    [
                        .text(key), .int(Int64(group.count)), .int(Int64(group.sessions.count)),
                        group.valueCount > 0 ? .double(group.valueSum / Double(group.valueCount)) : .null,
                        .int(group.lastNs / 1_000_000),
                    ]
                })
        }
    }

    /// Exact counts of the actions in the window by name (`send`, `stop`, `model_change`…), largest first, from
    /// the per-minute rollups.
    public func rumActionCounts(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> QueryTable {
        try table(
            ["name", "count"],
            """
            SELECT name, SUM(count) AS n FROM rollup_rum_minute WHERE type = 'action' AND minute >= ?1 AND minute <= ?2
            GROUP BY name ORDER BY n DESC, name
            """, Self.minutes(fromNs, toNs))
    }

    /// How many distinct sessions had a view in `[fromNs, toNs]`. Whole hours inside the window come from
    /// `rollup_rum_session_hour` (one row per session and hour); the partial hours at either end, or a window
    /// shorter than that, from the views themselves (index-only walks of `rum_by_type`).
    public func rumSessions(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> Int64 {
        let hourNs: UInt64 = 3_600_000_000_000
        let firstHour = (fromNs + hourNs - 1) / hourNs  // the first hour that starts inside the window
        let endHour = (toNs + 1) / hourNs  // hours before this one end inside the window
        guard firstHour < endHour else {
            return try database.prepare(
                """
                SELECT COUNT(DISTINCT session_id) FROM rum_events INDEXED BY rum_by_type
                WHERE type = 'view' AND time_ns BETWEEN ?1 AND ?2
                """
            ).rows([.int(Int64(fromNs)), .int(Int64(toNs))]).first?.first?.int ?? 0
        }
        return try database.prepare(
            """
            SELECT COUNT(*) FROM (
                SELECT session_id FROM rollup_rum_session_hour WHERE hour >= ?3 AND hour < ?4
                UNION SELECT session_id FROM rum_events INDEXED BY rum_by_type
                    WHERE type = 'view' AND time_ns >= ?1 AND time_ns < ?5
                UNION SELECT session_id FROM rum_events INDEXED BY rum_by_type
                    WHERE type = 'view' AND time_ns >= ?6 AND time_ns <= ?2)
            """
        ).rows([
            .int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(firstHour)), .int(Int64(endHour)),
            .int(Int64(firstHour * hourNs)), .int(Int64(endHour * hourNs)),
        ]).first?.first?.int ?? 0
    }

    /// Events, views, errors and actions in the window from the per-minute rollups; sessions are the distinct
    /// sessions with a view in the window (`rumSessions`).
    public func rumTotals(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> QueryTable {
        let counts =
            try database.prepare(
                """
                SELECT COALESCE(SUM(count), 0), COALESCE(SUM(CASE type WHEN 'view' THEN count END), 0),
                    COALESCE(SUM(CASE type WHEN 'error' THEN count END), 0),
                    COALESCE(SUM(CASE type WHEN 'action' THEN count END), 0)
                FROM rollup_rum_minute WHERE minute >= ?1 AND minute <= ?2
                """
            ).rows(Self.minutes(fromNs, toNs)).first ?? [.int(0), .int(0), .int(0), .int(0)]
        let sessions = SQLiteValue.int((counts[0].int ?? 0) > 0 ? try rumSessions(fromNs: fromNs, toNs: toNs) : 0)
        return QueryTable(
            columns: ["events", "sessions", "views", "errors", "actions"],
            rows: [[counts[0], sessions, counts[1], counts[2], counts[3]]])
    }

    /// Recent actions with the chat they started (trace id), newest first.
    public func rumRecentActions(fromNs: UInt64, toNs: UInt64, limit: Int) throws(StorageError) -> QueryTable {
        try table(
            ["time_ms", "session_id", "name", "value", "trace_id", "status", "country", "browser", "device"],
            """
            SELECT r.time_ns / 1000000, r.session_id, r.name, r.value, r.trace_id, c.status, r.country, r.browser,
                r.device
            FROM rum_events r LEFT JOIN chats c ON c.trace_id = r.trace_id
            WHERE r.type = 'action' AND r.time_ns BETWEEN ?1 AND ?2 ORDER BY r.time_ns DESC LIMIT ?3
            """, [.int(Int64(fromNs)), .int(Int64(toNs)), .int(Int64(limit))])
    }
}
