/// The database layout, one migration per version. Versions only ever append; a released migration is
/// never edited.
///
/// PRAGMAs, and why:
/// - `journal_mode=WAL`: readers (dashboard, CLI) never block the writers, and several processes (chat
///   handler, sampler, beacon handler) can each write in turn.
/// - `synchronous=NORMAL`: in WAL mode this loses at most the last transactions on power loss, never
///   corrupts; FULL would fsync every batch for no benefit to telemetry.
/// - `busy_timeout=5000` (set on open): a writer waits for another process's transaction instead of
///   failing with "database is locked".
/// - `auto_vacuum=INCREMENTAL` (before the first table): retention can hand space back with
///   `incremental_vacuum` without rewriting the whole file.
/// - `journal_size_limit`: the WAL file is truncated after checkpoints instead of staying at its peak size.
enum Schema {
    static let pragmas = """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=NORMAL;
        PRAGMA temp_store=MEMORY;
        PRAGMA journal_size_limit=67108864;
        """

    /// Latency histogram bounds in ms: the GenAI operation-duration buckets (0.01 s … 81.92 s, doubling).
    static let latencyBoundsMs: [Double] = (0..<14).map { 10 * Double(1 << $0) }

    static let migrations: [String] = [
        // 1: chats, spans, evaluations, host/process samples, residency, RUM events, per-minute rollups.
        """
        PRAGMA auto_vacuum=INCREMENTAL;
        CREATE TABLE chats (
            trace_id TEXT PRIMARY KEY, request_id TEXT NOT NULL, start_ns INTEGER NOT NULL,
            duration_ms REAL NOT NULL, route TEXT NOT NULL, model TEXT, provider TEXT, status INTEGER NOT NULL,
            error_code TEXT, error_message TEXT, session_id TEXT, input_tokens INTEGER, output_tokens INTEGER,
            ttft_ms REAL, tokens_per_second REAL, queue_ms REAL, load_ms REAL, prompt_eval_ms REAL,
            generation_ms REAL, cold_start INTEGER NOT NULL DEFAULT 0, cost REAL, host_cost REAL,
            input_masked TEXT, output_masked TEXT, streamed INTEGER NOT NULL DEFAULT 0,
            client_disconnected INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX chats_by_time ON chats(start_ns);
        CREATE INDEX chats_by_session ON chats(session_id, start_ns) WHERE session_id IS NOT NULL;
        CREATE TABLE spans (
            trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_id TEXT, name TEXT NOT NULL, kind TEXT NOT NULL,
            start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, error_type TEXT, attributes TEXT NOT NULL,
            PRIMARY KEY (trace_id, span_id)
        ) WITHOUT ROWID;
        CREATE TABLE evaluations (
            trace_id TEXT NOT NULL, name TEXT NOT NULL, label TEXT NOT NULL, score REAL NOT NULL, reason TEXT,
            start_ns INTEGER NOT NULL, PRIMARY KEY (trace_id, name)
        ) WITHOUT ROWID;
        CREATE INDEX evaluations_by_label ON evaluations(name, label, start_ns);
        CREATE TABLE host_samples (
            time_ns INTEGER PRIMARY KEY, cpu_percent REAL NOT NULL, memory_used INTEGER NOT NULL,
            memory_total INTEGER NOT NULL, load1 REAL NOT NULL
        );
        CREATE TABLE process_samples (
            time_ns INTEGER NOT NULL, pid INTEGER NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
            cpu_percent REAL NOT NULL, rss INTEGER NOT NULL, PRIMARY KEY (time_ns, pid)
        ) WITHOUT ROWID;
        CREATE TABLE model_residency (
            time_ns INTEGER NOT NULL, backend TEXT NOT NULL, model TEXT NOT NULL, size INTEGER, vram INTEGER,
            expires_at TEXT, PRIMARY KEY (time_ns, backend, model)
        ) WITHOUT ROWID;
        CREATE TABLE rum_events (
            id INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, session_id TEXT NOT NULL, view_id TEXT,
            type TEXT NOT NULL, name TEXT, trace_id TEXT, value REAL, attributes TEXT NOT NULL,
            country TEXT, region TEXT, city TEXT, browser TEXT, os TEXT, device TEXT
        );
        CREATE INDEX rum_by_time ON rum_events(time_ns);
        CREATE INDEX rum_by_trace ON rum_events(trace_id) WHERE trace_id IS NOT NULL;
        CREATE INDEX rum_by_session ON rum_events(session_id, time_ns);
        CREATE TABLE rollup_minute (
            minute INTEGER NOT NULL, route TEXT NOT NULL, model TEXT NOT NULL, requests INTEGER NOT NULL,
            errors INTEGER NOT NULL, latency_sum_ms REAL NOT NULL, ttft_sum_ms REAL NOT NULL,
            ttft_count INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
            cost REAL NOT NULL, host_cost REAL NOT NULL, cold_starts INTEGER NOT NULL, load_sum_ms REAL NOT NULL,
            \((0...14).map { "b\($0) INTEGER NOT NULL DEFAULT 0" }.joined(separator: ", ")),
            PRIMARY KEY (minute, route, model)
        ) WITHOUT ROWID;
        """,
        // 2: per-minute rollups of evaluations and RUM events (backfilled from the rows already stored), and an
        // index for the newest events of one type. The vital thresholds are DESIGN.md §5's, written out here so
        // the migration never changes; `WebVitals.thresholds` must classify new events the same way.
        """
        CREATE TABLE rollup_evaluation_minute (
            minute INTEGER NOT NULL, name TEXT NOT NULL, label TEXT NOT NULL, count INTEGER NOT NULL,
            score_sum REAL NOT NULL, PRIMARY KEY (minute, name, label)
        ) WITHOUT ROWID;
        INSERT INTO rollup_evaluation_minute (minute, name, label, count, score_sum)
            SELECT start_ns / 60000000000, name, label, COUNT(*), TOTAL(score) FROM evaluations
            GROUP BY 1, 2, 3;
        CREATE TABLE rollup_rum_minute (
            minute INTEGER NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, count INTEGER NOT NULL,
            value_sum REAL NOT NULL, good INTEGER NOT NULL, needs_improvement INTEGER NOT NULL,
            poor INTEGER NOT NULL, PRIMARY KEY (minute, type, name)
        ) WITHOUT ROWID;
        INSERT INTO rollup_rum_minute (minute, type, name, count, value_sum, good, needs_improvement, poor)
            SELECT r.time_ns / 60000000000, r.type, COALESCE(r.name, ''), COUNT(*), TOTAL(r.value),
                SUM(CASE WHEN v.n IS NOT NULL AND r.value <= v.g THEN 1 ELSE 0 END),
                SUM(CASE WHEN v.n IS NOT NULL AND r.value > v.g AND r.value <= v.p THEN 1 ELSE 0 END),
                SUM(CASE WHEN v.n IS NOT NULL AND r.value > v.p THEN 1 ELSE 0 END)
            FROM rum_events r LEFT JOIN (
                SELECT 'LCP' AS n, 2500.0 AS g, 4000.0 AS p UNION ALL SELECT 'INP', 200.0, 500.0
                UNION ALL SELECT 'CLS', 0.1, 0.25 UNION ALL SELECT 'FCP', 1800.0, 3000.0
                UNION ALL SELECT 'TTFB', 800.0, 1800.0
            ) v ON r.type = 'vital' AND r.name = v.n AND r.value IS NOT NULL
            GROUP BY 1, 2, 3;
        CREATE INDEX rum_by_type ON rum_events(type, time_ns, session_id);
        """,
        // 3: what the dashboard reads on a busy store.
        // - Two small partial indexes over the rare chats the dashboard lists (failures by code, cold starts): the
        //   newest of them come off these without visiting every chat of the window, and other chats cost nothing.
        // - `rollup_rum_session_hour`: which sessions had a view in each hour, so "sessions with a view in the
        //   window" reads one row per session and hour instead of every view (exact: only the window's partial
        //   hours at either end read the views themselves). A trigger keeps it beside the rows, in the writer's
        //   transaction, whichever process writes RUM events. Retention deletes the oldest minutes of the RUM
        //   rollup; with them go the hours that end by the newest minute deleted.
        // `IF NOT EXISTS` throughout: two processes opening a v2 store at once may both run this migration.
        """
        CREATE INDEX IF NOT EXISTS chats_failed ON chats(start_ns, error_code, status)
            WHERE status >= 400 OR error_code IS NOT NULL;
        CREATE INDEX IF NOT EXISTS chats_cold ON chats(start_ns, route, model, load_ms, duration_ms)
            WHERE cold_start = 1;
        CREATE TABLE IF NOT EXISTS rollup_rum_session_hour (
            hour INTEGER NOT NULL, session_id TEXT NOT NULL, PRIMARY KEY (hour, session_id)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO rollup_rum_session_hour (hour, session_id)
            SELECT DISTINCT time_ns / 3600000000000, session_id FROM rum_events WHERE type = 'view';
        CREATE TRIGGER IF NOT EXISTS rum_session_hour_add AFTER INSERT ON rum_events WHEN NEW.type = 'view'
        BEGIN
            INSERT OR IGNORE INTO rollup_rum_session_hour (hour, session_id)
                VALUES (NEW.time_ns / 3600000000000, NEW.session_id);
        END;
        CREATE TRIGGER IF NOT EXISTS rum_session_hour_prune AFTER DELETE ON rollup_rum_minute
        BEGIN
            DELETE FROM rollup_rum_session_hour WHERE hour < (OLD.minute + 1) / 60;
        END;
        """,
        // 4: a cheaper RUM event row. The writer now adds each batch's (hour, session) pairs to
        // `rollup_rum_session_hour` itself: SQLite ran migration 3's trigger as a sub-program for every inserted
        // event, views or not, and that was a quarter of the writer's time per beacon. `rum_by_session` inserted
        // in session order (random) and no dashboard read uses it; "errors in the sessions of failed chats" reads
        // errors through `rum_by_type`. Anything else that inserts RUM events (imports, tests) fills the session
        // rollup with the INSERT … SELECT DISTINCT of migration 3.
        """
        DROP TRIGGER IF EXISTS rum_session_hour_add;
        DROP INDEX IF EXISTS rum_by_session;
        """,
    ]

    /// Brings `database` to the newest version, one transaction per migration.
    static func migrate(_ database: SQLiteDatabase) throws(StorageError) {
        try database.execute(pragmas)
        let current = database.userVersion
        guard current <= migrations.count else {
            throw StorageError(
                code: 0, message: "database schema version \(current) is newer than this Kagami (\(migrations.count))")
        }
        for version in current..<migrations.count {
            // auto_vacuum must be set before the first table exists, outside a transaction.
            if version == 0 { try database.execute("PRAGMA auto_vacuum=INCREMENTAL") }
            try database.transaction { () throws(StorageError) in
                // Every Kagami process opens the store at start; another may have migrated it since we looked.
                // The check is inside the (IMMEDIATE) transaction, so only one of them runs each migration.
                guard database.userVersion == version else { return }
                try database.execute(migrations[version].replacingPragma())
                try database.execute("PRAGMA user_version=\(version + 1)")
            }
        }
    }

    /// Which of `rollup_rum_minute`'s good / needs-improvement / poor columns an event counts in (0, 1, 2), or
    /// `nil` for events that are not a web vital with a value.
    static func vitalClass(type: String, name: String?, value: Double?) -> Int? {
        guard type == "vital", let value, let vital = WebVitals.thresholds.first(where: { $0.name == name }) else {
            return nil
        }
        return value <= vital.good ? 0 : value <= vital.poor ? 1 : 2
    }

    /// The histogram bucket a latency falls in (0…14; 14 is the overflow bucket).
    static func bucket(forMs ms: Double) -> Int {
        latencyBoundsMs.firstIndex { ms <= $0 } ?? latencyBoundsMs.count
    }
}

extension String {
    /// Migration text without its leading `PRAGMA auto_vacuum` line (applied separately, outside the transaction).
    fileprivate func replacingPragma() -> String {
        split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("PRAGMA auto_vacuum") }
            .joined(separator: "\n")
    }
}
