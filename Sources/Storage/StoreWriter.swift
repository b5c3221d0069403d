import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// The writer thread's side of the store: owns the connection and its prepared statements.
///
/// `@unchecked Sendable`: created on one thread, then used only by the writer thread.
final class StoreWriter: @unchecked Sendable {
    private let configuration: TelemetryStore.Configuration
    private let log: Log
    private var database: SQLiteDatabase?
    private var statements: Statements?
    private var nextOpenAttemptMs = 0.0
    private var lastComplaintMs = -1e18
    private var complaintsSuppressed = 0

    init(configuration: TelemetryStore.Configuration, log: Log) {
        self.configuration = configuration
        self.log = log
    }

    /// Prepared once, reused for every row.
    private struct Statements {
        let chat: SQLiteStatement
        let span: SQLiteStatement
        let evaluation: SQLiteStatement
        let rollup: SQLiteStatement
        let evaluationRollup: SQLiteStatement
        let rumRollup: SQLiteStatement
        let sessionHour: SQLiteStatement
        let host: SQLiteStatement
        let process: SQLiteStatement
        let residency: SQLiteStatement
        let rum: SQLiteStatement

        init(_ db: SQLiteDatabase) throws(StorageError) {
            chat = try db.prepare(
                """
                INSERT OR REPLACE INTO chats VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,
                ?19,?20,?21,?22,?23,?24,?25,?26)
                """)
            span = try db.prepare("INSERT OR REPLACE INTO spans VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)")
            evaluation = try db.prepare("INSERT OR REPLACE INTO evaluations VALUES (?1,?2,?3,?4,?5,?6)")
            let buckets = (0...14).map { "b\($0)" }
            rollup = try db.prepare(
                """
                INSERT INTO rollup_minute (minute, route, model, requests, errors, latency_sum_ms, ttft_sum_ms,
                    ttft_count, input_tokens, output_tokens, cost, host_cost, cold_starts, load_sum_ms,
                    \(buckets.joined(separator: ", ")))
                VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,\((15...29).map { "?\($0)" }.joined(separator: ",")))
                ON CONFLICT(minute, route, model) DO UPDATE SET requests = requests + excluded.requests,
                    errors = errors + excluded.errors, latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
                    ttft_sum_ms = ttft_sum_ms + excluded.ttft_sum_ms, ttft_count = ttft_count + excluded.ttft_count,
                    input_tokens = input_tokens + excluded.input_tokens,
                    output_tokens = output_tokens + excluded.output_tokens, cost = cost + excluded.cost,
                    host_cost = host_cost + excluded.host_cost, cold_starts = cold_starts + excluded.cold_starts,
                    load_sum_ms = load_sum_ms + excluded.load_sum_ms,
                    \(buckets.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
                """)
            evaluationRollup = try db.prepare(
                """
                INSERT INTO rollup_evaluation_minute (minute, name, label, count, score_sum) VALUES (?1,?2,?3,?4,?5)
                ON CONFLICT(minute, name, label) DO UPDATE SET count = count + excluded.count,
                    score_sum = score_sum + excluded.score_sum
                """)
            rumRollup = try db.prepare(
                """
                INSERT INTO rollup_rum_minute (minute, type, name, count, value_sum, good, needs_improvement, poor)
                VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
                ON CONFLICT(minute, type, name) DO UPDATE SET count = count + excluded.count,
                    value_sum = value_sum + excluded.value_sum, good = good + excluded.good,
                    needs_improvement = needs_improvement + excluded.needs_improvement, poor = poor + excluded.poor
                """)
            sessionHour = try db.prepare(
                "INSERT OR IGNORE INTO rollup_rum_session_hour (hour, session_id) VALUES (?1, ?2)")
            host = try db.prepare("INSERT OR REPLACE INTO host_samples VALUES (?1,?2,?3,?4,?5)")
            process = try db.prepare("INSERT OR REPLACE INTO process_samples VALUES (?1,?2,?3,?4,?5,?6)")
            residency = try db.prepare("INSERT OR REPLACE INTO model_residency VALUES (?1,?2,?3,?4,?5,?6)")
            rum = try db.prepare(
                """
                INSERT INTO rum_events (time_ns, session_id, view_id, type, name, trace_id, value, attributes, country,
                    region, city, browser, os, device) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)
                """)
        }
    }

    /// Opens the database if it is not open, at most once every 10 s after a failure.
    @discardableResult
    func ensureOpen() -> Bool {
        if statements != nil { return true }
        let now = monotonicMilliseconds()
        guard now >= nextOpenAttemptMs else { return false }
        nextOpenAttemptMs = now + 10_000
        do {
            let db = try openMigrated()
            statements = try Statements(db)
            database = db
            log.info("store open", [("path", .string(configuration.path)), ("schema", .int(db.userVersion))])
            return true
        } catch {
            complain("cannot open the store; telemetry is dropped until it can", error)
            return false
        }
    }

    private func openMigrated() throws(StorageError) -> SQLiteDatabase {
        makeParentDirectories(configuration.path)
        do throws(StorageError) {
            let db = try SQLiteDatabase(path: configuration.path)
            try Schema.migrate(db)
            // The writer appends: it needs the B-trees' right edges cached, not SQLite's default 2 MB of pages.
            try db.execute("PRAGMA cache_size=-512")
            let check = try db.prepare("PRAGMA quick_check(1)").rows().first?.first?.text
            if check != "ok" { throw StorageError(code: SQLITE_CORRUPT_CODE, message: "quick_check: \(check ?? "?")") }
            return db
        } catch {
            guard error.kind == "corrupt" else { throw error }
            // Keep the damaged file for inspection, start a fresh one: telemetry must go on.
            let aside = "\(configuration.path).corrupt-\(Int(wallClockNanoseconds() / 1_000_000_000))"
            rename(configuration.path, aside)
            unlink(configuration.path + "-wal")
            unlink(configuration.path + "-shm")
            log.error(
                "store was corrupt: moved aside, starting a new one",
                [
                    ("path", .string(configuration.path)), ("moved_to", .string(aside)),
                    ("error", .string(error.message)),
                ])
            let db = try SQLiteDatabase(path: configuration.path)
            try Schema.migrate(db)
            return db
        }
    }

    /// Writes one batch in one transaction; `false` when it could not (the batch is then dropped).
    /// `counts`: successful counts-only chats, already summed per rollup row (see `TelemetryStore`).
    func write(_ batch: [StoreItem], counts: [RollupKey: ChatRollupSums] = [:]) -> Bool {
        guard ensureOpen(), let db = database, let statements else { return false }
        do {
            try db.transaction { () throws(StorageError) in
                // Rollups are summed over the batch first: one upsert per (minute, key) instead of one per chat or
                // event keeps the writer's cost per item low.
                var rollups = BatchRollups(chats: counts)
                for item in batch {
                    try insert(item, statements, &rollups)
                    // A background writer steps aside after each item: a request thread woken on this core then
                    // waits for one insert, not for the rest of the batch (nice alone let it wait a whole slice).
                    if configuration.backgroundWriter { sched_yield() }
                }
                for (key, sums) in rollups.chats {
                    try statements.rollup.run(
                        [
                            .int(key.minute), .text(key.first), .text(key.second), .int(sums.requests),
                            .int(sums.errors), .double(sums.latencySumMs), .double(sums.ttftSumMs),
                            .int(sums.ttftCount), .int(sums.inputTokens), .int(sums.outputTokens), .double(sums.cost),
                            .double(sums.hostCost), .int(sums.coldStarts), .double(sums.loadSumMs),
                        ] + sums.buckets.map { .int($0) })
                }
                for (key, sums) in rollups.evaluations {
                    try statements.evaluationRollup.run([
                        .int(key.minute), .text(key.first), .text(key.second), .int(sums.count), .double(sums.sum),
                    ])
                }
                for (key, sums) in rollups.rum {
                    try statements.rumRollup.run([
                        .int(key.minute), .text(key.first), .text(key.second), .int(sums.count), .double(sums.sum),
                        .int(sums.good), .int(sums.needsImprovement), .int(sums.poor),
                    ])
                }
                for key in rollups.sessionHours {
                    try statements.sessionHour.run([.int(key.hour), .text(key.sessionID)])
                }
            }
            return true
        } catch {
            complain("store write failed; batch of \(batch.count) dropped", error)
            if error.kind == "corrupt" {
                self.statements = nil
                self.database = nil
                nextOpenAttemptMs = 0
            }
            return false
        }
    }

    private func insert(_ item: StoreItem, _ s: Statements, _ rollups: inout BatchRollups) throws(StorageError) {
        switch item {
        case .chat(let trace):
            let c = trace.summary
            rollups.chats[RollupKey(chat: c), default: ChatRollupSums()].add(c)
            // A counts-only trace (the pipeline was behind) is in the rollup; only a failure also keeps its row.
            if trace.countsOnly && !c.isError { return }
            try s.chat.run([
                .text(c.traceID), .text(c.requestID), .int(Int64(c.startNs)), .double(c.durationMs), .text(c.route),
                text(c.model), text(c.provider), .int(Int64(c.status)), text(c.errorCode), text(c.errorMessage),
                text(c.sessionID), int(c.inputTokens), int(c.outputTokens), double(c.ttftMs),
                double(c.tokensPerSecond), double(c.queueMs), double(c.loadMs), double(c.promptEvalMs),
                double(c.generationMs), .int(c.coldStart ? 1 : 0), double(c.cost), double(c.hostCost),
                text(c.inputMasked), text(c.outputMasked), .int(c.streamed ? 1 : 0),
                .int(c.clientDisconnected ? 1 : 0),
            ])
            for span in trace.spans {
                try s.span.run([
                    .text(span.traceID), .text(span.spanID), text(span.parentSpanID), .text(span.name),
                    .text(span.kind.rawValue), .int(Int64(span.startNs)), .int(Int64(span.endNs)),
                    text(span.errorType), .text(span.attributesJSON),
                ])
            }
            for evaluation in trace.evaluations {
                try s.evaluation.run([
                    .text(c.traceID), .text(evaluation.name), .text(evaluation.label), .double(evaluation.score),
                    .text(evaluation.reason), .int(Int64(c.startNs)),
                ])
                rollups.evaluations[
                    RollupKey(
                        minute: Int64(c.startNs / 60_000_000_000), first: evaluation.name, second: evaluation.label),
                    default: RollupSums()
                ].add(evaluation.score)
            }
        case .host(let h):
            try s.host.run([
                .int(Int64(h.timeNs)), .double(h.cpuPercent), .int(h.memoryUsedBytes), .int(h.memoryTotalBytes),
                .double(h.load1),
            ])
        case .processes(let samples):
            for p in samples {
                try s.process.run([
                    .int(Int64(p.timeNs)), .int(Int64(p.pid)), .text(p.name), .text(p.role), .double(p.cpuPercent),
                    .int(p.rssBytes),
                ])
            }
        case .residency(let timeNs, let backend, let models):
            // An empty list is stored too ("nothing resident"), so unloads show on the timeline.
            if models.isEmpty {
                try s.residency.run([.int(Int64(timeNs)), .text(backend), .text(""), .null, .null, .null])
            }
            for m in models {
                try s.residency.run([
                    .int(Int64(m.timeNs)), .text(m.backend), .text(m.model), int64(m.sizeBytes), int64(m.vramBytes),
                    text(m.expiresAt),
                ])
            }
        case .rum(let events):
            for e in events {
                try s.rum.run([
                    .int(Int64(e.timeNs)), .text(e.sessionID), text(e.viewID), .text(e.type), text(e.name),
                    text(e.traceID), double(e.value), .text(e.attributesJSON), text(e.country), text(e.region),
                    text(e.city), text(e.browser), text(e.os), text(e.device),
                ])
                rollups.rum[
                    RollupKey(minute: Int64(e.timeNs / 60_000_000_000), first: e.type, second: e.name ?? ""),
                    default: RollupSums()
                ].add(e.value ?? 0, vitalClass: Schema.vitalClass(type: e.type, name: e.name, value: e.value))
                if e.type == "view" {
                    rollups.sessionHours.insert(
                        SessionHour(hour: Int64(e.timeNs / 3_600_000_000_000), sessionID: e.sessionID))
                }
            }
        }
    }

    /// Retention by age and by file size; hands freed pages back to the file system.
    func maintain() {
        guard ensureOpen(), let db = database else { return }
        let cutoffNs = Int64(wallClockNanoseconds()) - Int64(configuration.retentionDays) * 86_400 * 1_000_000_000
        do {
            try deleteOlder(than: cutoffNs, db)
            var size = try fileSize(db)
            var rounds = 0
            while size > configuration.maxBytes && rounds < 10 {
                // Drop the oldest tenth of the chats (and what belongs to them) until the file fits.
                let rows = try db.prepare(
                    "SELECT start_ns FROM chats ORDER BY start_ns LIMIT 1 OFFSET (SELECT COUNT(*) / 10 FROM chats)"
                ).rows()
                guard let cut = rows.first?.first?.int else { break }
                try deleteOlder(than: cut, db)
                try db.execute("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")
                size = try fileSize(db)
                rounds += 1
            }
            try db.execute("PRAGMA incremental_vacuum(2000); PRAGMA optimize;")
        } catch {
            complain("store retention failed", error)
        }
    }

    private func deleteOlder(than cutoffNs: Int64, _ db: SQLiteDatabase) throws(StorageError) {
        try db.transaction { () throws(StorageError) in
            let cutoff = String(cutoffNs)
            try db.execute(
                """
                DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM chats WHERE start_ns < \(cutoff));
                DELETE FROM evaluations WHERE start_ns < \(cutoff);
                DELETE FROM chats WHERE start_ns < \(cutoff);
                DELETE FROM host_samples WHERE time_ns < \(cutoff);
                DELETE FROM process_samples WHERE time_ns < \(cutoff);
                DELETE FROM model_residency WHERE time_ns < \(cutoff);
                DELETE FROM rum_events WHERE time_ns < \(cutoff);
                DELETE FROM rollup_minute WHERE minute < \(cutoffNs / 60_000_000_000);
                DELETE FROM rollup_evaluation_minute WHERE minute < \(cutoffNs / 60_000_000_000);
                DELETE FROM rollup_rum_minute WHERE minute < \(cutoffNs / 60_000_000_000);
                """)
        }
    }

    private func fileSize(_ db: SQLiteDatabase) throws(StorageError) -> Int64 {
        let pages = try db.prepare("PRAGMA page_count").firstInt()
        let pageSize = try db.prepare("PRAGMA page_size").firstInt()
        return Int64(pages) * Int64(pageSize)
    }

    func close() {
        statements = nil
        database = nil
    }

    /// Logs a failure at most once a minute, with how many were suppressed since.
    private func complain(_ message: String, _ error: StorageError) {
        let now = monotonicMilliseconds()
        if now - lastComplaintMs < 60_000 {
            complaintsSuppressed += 1
            return
        }
        log.error(
            message,
            [
                ("path", .string(configuration.path)), ("error", .string(error.message)), ("kind", .string(error.kind)),
                ("suppressed_since_last", .int(complaintsSuppressed)),
            ])
        lastComplaintMs = now
        complaintsSuppressed = 0
    }
}

private let SQLITE_CORRUPT_CODE: Int32 = 11

/// A rollup row's key: the minute and two names (evaluator and label, or event type and name).
struct RollupKey: Hashable {
    let minute: Int64
    let first: String
    let second: String

    /// The `rollup_minute` row (minute, route, model) a chat adds to.
    init(chat c: ChatSummary) {
        self.init(minute: Int64(c.startNs / 60_000_000_000), first: c.route, second: c.model ?? "")
    }

    init(minute: Int64, first: String, second: String) {
        self.minute = minute
        self.first = first
        self.second = second
    }
}

/// What one batch adds to a rollup row.
struct RollupSums {
    var count: Int64 = 0
    var sum = 0.0
    var good: Int64 = 0
    var needsImprovement: Int64 = 0
    var poor: Int64 = 0

    /// Adds one value; `vitalClass` 0/1/2 counts it as good / needs improvement / poor (other values: neither).
    mutating func add(_ value: Double, vitalClass: Int? = nil) {
        count += 1
        sum += value
        switch vitalClass {
        case 0: good += 1
        case 1: needsImprovement += 1
        case 2: poor += 1
        default: break
        }
    }
}

/// What one batch adds to a `rollup_minute` row (minute, route, model).
struct ChatRollupSums {
    var requests: Int64 = 0
    var errors: Int64 = 0
    var latencySumMs = 0.0
    var ttftSumMs = 0.0
    var ttftCount: Int64 = 0
    var inputTokens: Int64 = 0
    var outputTokens: Int64 = 0
    var cost = 0.0
    var hostCost = 0.0
    var coldStarts: Int64 = 0
    var loadSumMs = 0.0
    var buckets = [Int64](repeating: 0, count: 15)

    mutating func add(_ c: ChatSummary) {
        requests += 1
        errors += c.isError ? 1 : 0
        latencySumMs += c.durationMs
        if let ttft = c.ttftMs {
            ttftSumMs += ttft
            ttftCount += 1
        }
        inputTokens += Int64(c.inputTokens ?? 0)
        outputTokens += Int64(c.outputTokens ?? 0)
        cost += c.cost ?? 0
        hostCost += c.hostCost ?? 0
        coldStarts += c.coldStart ? 1 : 0
        loadSumMs += c.loadMs ?? 0
        buckets[Schema.bucket(forMs: c.durationMs)] += 1
    }
}

/// The rollup increments of one batch.
struct BatchRollups {
    var chats: [RollupKey: ChatRollupSums] = [:]
    var evaluations: [RollupKey: RollupSums] = [:]
    var rum: [RollupKey: RollupSums] = [:]
    /// Sessions with a view, by hour: rows of `rollup_rum_session_hour`.
    var sessionHours: Set<SessionHour> = []
}

/// A session that had a view in an hour (hours since the epoch).
struct SessionHour: Hashable {
    let hour: Int64
    let sessionID: String
}

/// `mkdir -p` of the directory holding `path` (a fresh `make run` has no `var/` yet).
private func makeParentDirectories(_ path: String) {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
    var current = ""
    for component in path[..<slash].split(separator: "/", omittingEmptySubsequences: false) {
        current +=
            (current.isEmpty && component.isEmpty) ? "/" : (current.isEmpty || current == "/" ? "" : "/") + component
        if !current.isEmpty && current != "/" { mkdir(current, 0o755) }
    }
}

private func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
private func int(_ value: Int?) -> SQLiteValue { value.map { .int(Int64($0)) } ?? .null }
private func int64(_ value: Int64?) -> SQLiteValue { value.map { .int($0) } ?? .null }
private func double(_ value: Double?) -> SQLiteValue { value.map { .double($0) } ?? .null }
