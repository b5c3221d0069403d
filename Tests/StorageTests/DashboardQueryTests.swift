import Telemetry
import Testing

@testable import Storage

#if canImport(Glibc)
    import Glibc
#endif

private let hourNs: Int64 = 3_600_000_000_000

/// `(hour, session)` pairs of the session rollup, and the same pairs from the views themselves.
private func sessionHours(_ db: SQLiteDatabase) throws -> (rollup: [String], raw: [String]) {
    let rollup = try db.prepare("SELECT hour, session_id FROM rollup_rum_session_hour ORDER BY 1, 2").rows()
    let raw = try db.prepare(
        "SELECT DISTINCT time_ns / 3600000000000, session_id FROM rum_events WHERE type = 'view' ORDER BY 1, 2"
    ).rows()
    func text(_ rows: [[SQLiteValue]]) -> [String] { rows.map { "\($0[0].int!)|\($0[1].text!)" } }
    return (text(rollup), text(raw))
}

private func distinctSessions(_ db: SQLiteDatabase, _ fromNs: Int64, _ toNs: Int64) throws -> Int64 {
    try db.prepare(
        "SELECT COUNT(DISTINCT session_id) FROM rum_events WHERE type = 'view' AND time_ns BETWEEN ?1 AND ?2"
    ).rows([.int(fromNs), .int(toNs)]).first!.first!.int!
}

/// Rows sorted by count (descending), then key: the order `rumBreakdowns` answers in.
private func byCount(_ table: QueryTable) -> [[SQLiteValue]] {
    table.rows.sorted { a, b in a[1].int! != b[1].int! ? a[1].int! > b[1].int! : a[0].text! < b[0].text! }
}

@Test func migrationThreeAppliesToAVersionTwoStore() throws {
    let path = temporaryPath()
    // Start an hour boundary away from now, so windows below cross whole and partial hours.
    let base = (Int64(wallClockNanoseconds()) / hourNs - 6) * hourNs
    do {
        let db = try SQLiteDatabase(path: path)
        try db.execute(Schema.migrations[0])
        try db.execute(Schema.migrations[1])
        try db.execute("PRAGMA user_version=2")
        let chat = try db.prepare(
            """
            INSERT INTO chats (trace_id, request_id, start_ns, duration_ms, route, model, status, error_code, load_ms,
                cold_start) VALUES (?1, 'r', ?2, 120, ?3, 'm', ?4, ?5, ?6, ?7)
            """)
        for index in 0..<300 {
            let status: Int64 = index % 7 == 0 ? 502 : index % 13 == 0 ? 429 : 200
            try chat.run([
                .text(String(repeating: "0", count: 32 - String(index).count) + String(index)),
                .int(base + Int64(index) * 60_000_000_000),
                .text(index % 2 == 0 ? "/chat" : "/granite"), .int(status),
                index % 7 == 0 ? .text("backend_error") : index % 17 == 0 ? .text("backend_stream_cut") : .null,
                .double(index % 11 == 0 ? 1500 : 0), .int(index % 11 == 0 ? 1 : 0),
            ])
        }
        let rum = try db.prepare(
            "INSERT INTO rum_events (time_ns, session_id, type, name, attributes) VALUES (?1, ?2, ?3, ?4, '{}')")
        for index in 0..<400 {
            let type = ["view", "vital", "action", "view"][index % 4]
            try rum.run([
                .int(base + Int64(index) * 53_000_000_000), .text("s\(index % 9 + index / 100)"), .text(type),
                .text(type == "view" ? "/" : "x"),
            ])
        }
    }
    let queries = try TelemetryQueries(path: path)  // opens and migrates
    let db = try SQLiteDatabase(path: path)
    #expect(db.userVersion == Schema.migrations.count)
    let objects = try db.prepare(
        """
        SELECT name FROM sqlite_master WHERE name IN ('chats_failed', 'chats_cold', 'rollup_rum_session_hour',
            'rum_session_hour_add', 'rum_session_hour_prune', 'rum_by_session', 'rum_by_type') ORDER BY name
        """
    ).rows().map { $0[0].text! }
    // Migration 4 replaced the per-row trigger with the writer's per-batch insert and dropped `rum_by_session`.
    #expect(
        objects == ["chats_cold", "chats_failed", "rollup_rum_session_hour", "rum_by_type", "rum_session_hour_prune"])
    // The session rollup is backfilled from the stored views.
    let backfilled = try sessionHours(db)
    #expect(backfilled.raw.count > 10)
    #expect(backfilled.rollup == backfilled.raw)

    // The queries that read the new indexes answer what a walk of every chat answers.
    let (from, to) = (UInt64(base), UInt64(base + 6 * hourNs))
    let codes = try queries.errorsByCode(fromNs: from, toNs: to)
    let expectedCodes = try db.prepare(
        """
        SELECT COALESCE(error_code, 'http_' || status) AS code, COUNT(*) AS n FROM chats
        WHERE status >= 400 OR error_code IS NOT NULL GROUP BY code ORDER BY n DESC, code
        """
    ).rows()
    #expect(codes.rows == expectedCodes)
    #expect(codes.rows.map { $0[0].text! }.sorted() == ["backend_error", "backend_stream_cut", "http_429"])
    let sampled = try queries.errorsByCode(fromNs: from, toNs: to, sample: 5)
    #expect(sampled.rows.reduce(0) { $0 + $1[1].int! } == 5)
    let cold = try queries.coldStarts(fromNs: from, toNs: to, limit: 10)
    let expectedCold = try db.prepare(
        """
        SELECT trace_id, start_ns / 1000000, route, model, load_ms, duration_ms FROM chats NOT INDEXED
        WHERE cold_start = 1 ORDER BY start_ns DESC LIMIT 10
        """
    ).rows()
    #expect(cold.rows == expectedCold)
    #expect(cold.rows.count == 10)

    // Sessions with a view: windows shorter than an hour, on hour boundaries, and with partial hours at both ends.
    let windows: [(Int64, Int64)] = [
        (base, base + 6 * hourNs), (base + 1, base + 6 * hourNs - 1), (base + hourNs / 3, base + 5 * hourNs / 2),
        (base + 7 * hourNs / 4, base + 2 * hourNs), (base + hourNs, base + 2 * hourNs - 1),
        (base + hourNs, base + 2 * hourNs), (base - hourNs, base + 10 * hourNs),
        (base + 9 * hourNs, base + 10 * hourNs),
    ]
    for (fromNs, toNs) in windows {
        #expect(
            try queries.rumSessions(fromNs: UInt64(fromNs), toNs: UInt64(toNs))
                == distinctSessions(db, fromNs, toNs), "\(fromNs - base) … \(toNs - base)")
    }

    // New views written by the store keep the session rollup in step (the writer adds each batch's sessions), also
    // for hours it had.
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    store.enqueue(
        .rum(
            (0..<50).map { index in
                RUMEvent(
                    timeNs: UInt64(base + Int64(index) * 431_000_000_000), sessionID: "new-\(index % 4)", viewID: "v",
                    type: index % 5 == 0 ? "error" : "view", name: "/", traceID: nil, value: nil)
            }))
    #expect(store.flush())
    store.shutdown()
    let written = try sessionHours(db)
    #expect(written.rollup.count > backfilled.rollup.count)
    #expect(written.rollup == written.raw)
    for (fromNs, toNs) in windows {
        #expect(
            try queries.rumSessions(fromNs: UInt64(fromNs), toNs: UInt64(toNs)) == distinctSessions(db, fromNs, toNs))
    }

    // Retention prunes the session rollup with the RUM rollup (the statements StoreWriter's retention runs).
    let cutoff = base + 3 * hourNs
    try db.execute(
        """
        DELETE FROM rum_events WHERE time_ns < \(cutoff);
        DELETE FROM rollup_rum_minute WHERE minute < \(cutoff / 60_000_000_000);
        """)
    let pruned = try sessionHours(db)
    #expect(!pruned.rollup.isEmpty)
    #expect(pruned.rollup == pruned.raw)
}

@Test func viewBreakdownsInOneReadMatchOneBreakdownEach() throws {
    let path = temporaryPath()
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    let base = wallClockNanoseconds() - 3_000_000_000_000
    var events: [RUMEvent] = []
    for index in 0..<120 {
        let action = index % 6 == 5
        let country: String? = index % 4 == 0 ? nil : ["JP", "US", "DE"][index % 3]
        let value: Double? = index % 3 == 0 ? Double(index) : nil
        events.append(
            RUMEvent(
                timeNs: base + UInt64(index) * 10_000_000_000, sessionID: "s\(index % 7)", viewID: "v\(index)",
                type: action ? "action" : "view", name: action ? "send" : "/", traceID: nil, value: value,
                country: country, browser: ["Chrome", "Firefox"][index % 2],
                os: ["Linux", "Android", "iOS", "Windows"][index % 4], device: index % 5 == 0 ? "mobile" : "desktop"))
    }
    store.enqueue(.rum(events))
    #expect(store.flush())
    store.shutdown()
    let queries = try TelemetryQueries(path: path)
    let dimensions: [TelemetryQueries.RUMDimension] = [.country, .browser, .os, .device]
    let (from, to) = (base, base + 3_000_000_000_000)
    for (limit, sample) in [(20, 5_000), (2, 5_000), (20, 17)] {
        let together = try queries.rumBreakdowns(
            fromNs: from, toNs: to, type: "view", dimensions: dimensions, limit: limit, sample: sample)
        #expect(together.count == dimensions.count)
        for (index, dimension) in dimensions.enumerated() {
            let alone = try queries.rumBreakdown(
                fromNs: from, toNs: to, type: "view", dimension: dimension, limit: 50, sample: sample)
            #expect(together[index].columns == alone.columns)
            #expect(together[index].rows == Array(byCount(alone).prefix(limit)), "\(dimension) \(limit) \(sample)")
        }
    }
    #expect(
        try queries.rumBreakdowns(fromNs: 0, toNs: 1, type: "view", dimensions: dimensions, limit: 5)[0].rows.isEmpty)
}

@Test func actionCountsAreExactForTheWholeWindow() throws {
    let path = temporaryPath()
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    let base = wallClockNanoseconds() - 7_200_000_000_000
    let names = Array(repeating: "send", count: 9) + ["stop", "stop", "model_change", "new_chat", "language"]
    store.enqueue(
        .rum(
            names.enumerated().map { index, name in
                RUMEvent(
                    timeNs: base + UInt64(index) * 400_000_000_000, sessionID: "s\(index % 3)", viewID: "v",
                    type: "action", name: name, traceID: nil, value: name == "send" ? 1200 : nil)
            } + [
                RUMEvent(
                    timeNs: base, sessionID: "s0", viewID: "v", type: "view", name: "/", traceID: nil, value: nil)
            ]))
    #expect(store.flush())
    store.shutdown()
    let queries = try TelemetryQueries(path: path)
    let counts = try queries.rumActionCounts(fromNs: base, toNs: base + 7_200_000_000_000)
    #expect(counts.columns == ["name", "count"])
    #expect(
        counts.rows.map { "\($0[0].text!)=\($0[1].int!)" } == [
            "send=9", "stop=2", "language=1", "model_change=1", "new_chat=1",
        ])
    // Whole minutes: a window of the first twenty minutes holds the first three actions.
    let early = try queries.rumActionCounts(fromNs: base, toNs: base + 1_000_000_000_000)
    #expect(early.rows.map { "\($0[0].text!)=\($0[1].int!)" } == ["send=3"])
}

@Test func processSeriesAveragesEachRolesPerSampleSums() throws {
    let path = temporaryPath()
    let queries = try TelemetryQueries(path: path)
    let db = try SQLiteDatabase(path: path)
    let base: Int64 = 1_760_000_000_000_000_000
    let insert = try db.prepare("INSERT INTO process_samples VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
    for sample in 0..<100 {
        let t = base + Int64(sample) * 5_000_000_000
        try insert.run([
            .int(t), .int(1), .text("llama-server"), .text("runner"), .double(Double(sample % 9) * 7),
            .int(400_000_000),
        ])
        try insert.run([.int(t), .int(2), .text("ChatHandler"), .text("kagami"), .double(1.5), .int(20_000_000)])
        if sample % 3 == 0 {  // a second Kagami process in some samples only
            try insert.run([
                .int(t), .int(3), .text("RUMBeacon"), .text("kagami"), .double(0.5), .int(15_000_000 + Int64(sample)),
            ])
        }
        if sample % 10 < 4 {  // another process in a few samples
            try insert.run([.int(t), .int(4), .text("python3"), .text("other"), .double(12.25), .int(90_000_000)])
        }
    }
    let (from, to, step) = (UInt64(base), UInt64(base + 500_000_000_000), UInt64(60_000_000_000))
    let series = try queries.processSeries(fromNs: from, toNs: to, stepNs: step)
    let expected = try db.prepare(
        """
        SELECT ((time_ns - ?1) / ?3) * (?3 / 1000000) + ?1 / 1000000 AS t, role, AVG(cpu), CAST(AVG(rss) AS INTEGER)
        FROM (SELECT time_ns, role, SUM(cpu_percent) AS cpu, SUM(rss) AS rss FROM process_samples
              WHERE time_ns BETWEEN ?1 AND ?2 GROUP BY time_ns, role)
        GROUP BY t, role ORDER BY t, role
        """
    ).rows([.int(Int64(from)), .int(Int64(to)), .int(Int64(step))])
    #expect(series.rows.count == expected.count)
    #expect(series.rows.count > 20)
    for (row, want) in zip(series.rows, expected) {
        #expect(row[0] == want[0] && row[1] == want[1] && row[3] == want[3])
        #expect(abs(row[2].double! - want[2].double!) < 1e-9)
    }
}
