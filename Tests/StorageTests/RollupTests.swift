import Telemetry
import Testing

@testable import Storage

#if canImport(Glibc)
    import Glibc
#endif

private let minuteNs: UInt64 = 60_000_000_000

/// Sums in a different order differ in the last bits.
private func rounded(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }

/// Evaluation rollup rows, and the same aggregates computed from the raw rows: (minute|name|label) → (count, sum).
private func evaluationAggregates(_ db: SQLiteDatabase) throws -> (rollup: [String: String], raw: [String: String]) {
    var rollup: [String: String] = [:]
    for r in try db.prepare("SELECT minute, name, label, count, score_sum FROM rollup_evaluation_minute").rows() {
        rollup["\(r[0].int!)|\(r[1].text!)|\(r[2].text!)"] = "\(r[3].int!) \(rounded(r[4].double!))"
    }
    var raw: [String: (Int, Double)] = [:]
    for r in try db.prepare("SELECT start_ns, name, label, score FROM evaluations").rows() {
        let key = "\(r[0].int! / Int64(minuteNs))|\(r[1].text!)|\(r[2].text!)"
        raw[key, default: (0, 0)].0 += 1
        raw[key, default: (0, 0)].1 += r[3].double!
    }
    return (rollup, raw.mapValues { "\($0.0) \(rounded($0.1))" })
}

/// RUM rollup rows, and the same aggregates from the raw rows, classified with `WebVitals.thresholds` here.
private func rumAggregates(_ db: SQLiteDatabase) throws -> (rollup: [String: [Double]], raw: [String: [Double]]) {
    var rollup: [String: [Double]] = [:]
    for r in try db.prepare(
        "SELECT minute, type, name, count, value_sum, good, needs_improvement, poor FROM rollup_rum_minute"
    ).rows() {
        rollup["\(r[0].int!)|\(r[1].text!)|\(r[2].text!)"] = [
            Double(r[3].int!), rounded(r[4].double!), Double(r[5].int!), Double(r[6].int!), Double(r[7].int!),
        ]
    }
    var raw: [String: [Double]] = [:]
    for r in try db.prepare("SELECT time_ns, type, name, value FROM rum_events").rows() {
        let key = "\(r[0].int! / Int64(minuteNs))|\(r[1].text!)|\(r[2].text ?? "")"
        var row = raw[key] ?? [0, 0, 0, 0, 0]
        row[0] += 1
        row[1] += r[3].double ?? 0
        if r[1].text == "vital", let value = r[3].double,
            let vital = WebVitals.thresholds.first(where: { $0.name == r[2].text })
        {
            row[value <= vital.good ? 2 : value <= vital.poor ? 3 : 4] += 1
        }
        raw[key] = row
    }
    return (rollup, raw.mapValues { row in row.enumerated().map { $0.offset == 1 ? rounded($0.element) : $0.element } })
}

/// Vital values on both sides of every threshold, plus events that are not vitals (some without name or value).
private func rumEvents(at baseNs: UInt64) -> [RUMEvent] {
    var events: [RUMEvent] = []
    for (index, vital) in WebVitals.thresholds.enumerated() {
        for (offset, value) in [vital.good * 0.5, vital.good, vital.good * 1.01, vital.poor, vital.poor * 1.5]
            .enumerated()
        {
            events.append(
                RUMEvent(
                    timeNs: baseNs + UInt64(index * 7 + offset) * 10_000_000_000, sessionID: "session-\(offset % 2)",
                    viewID: "v", type: "vital", name: vital.name, traceID: nil, value: value))
        }
    }
    for index in 0..<30 {
        let (type, name, value): (String, String?, Double?) =
            [("view", "/", nil), ("action", "send", 1500), ("error", "js", nil), ("long_task", nil, 80)][index % 4]
        events.append(
            RUMEvent(
                timeNs: baseNs + UInt64(index) * 13_000_000_000, sessionID: "session-\(index % 3)", viewID: "v",
                type: type, name: name, traceID: nil, value: value, attributesJSON: "{\"message\":\"m\(index % 2)\"}"))
    }
    return events
}

private func chat(_ index: Int, startNs: UInt64, labels: [String]) -> ChatTrace {
    let id = String(repeating: "0", count: 32 - String(index).count) + String(index)
    return ChatTrace(
        summary: ChatSummary(
            traceID: id, requestID: "r\(index)", startNs: startNs, durationMs: 100, route: "/chat",
            model: "gemma3:270m", status: 200),
        spans: [],
        evaluations: labels.enumerated().map { offset, label in
            StoredEvaluation(
                name: ["pii", "quality", "toxicity"][offset % 3], label: label, score: Double(index % 5) / 4,
                reason: "r")
        })
}

@Test func rollupsMatchTheRawRowsWhenWritten() throws {
    let path = temporaryPath()
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    let base = wallClockNanoseconds() - 3_600_000_000_000
    for index in 0..<40 {
        store.enqueue(
            .chat(
                chat(
                    index, startNs: base + UInt64(index) * 20_000_000_000,
                    labels: [index % 7 == 0 ? "detected" : "none", "ok", index % 3 == 0 ? "fail" : "pass"])))
    }
    store.enqueue(.rum(rumEvents(at: base)))
    #expect(store.flush())
    store.shutdown()
    let db = try SQLiteDatabase(path: path)
    let evaluations = try evaluationAggregates(db)
    #expect(evaluations.raw.count > 10)
    #expect(evaluations.rollup == evaluations.raw)
    let rum = try rumAggregates(db)
    #expect(rum.raw.count > 10)
    #expect(rum.rollup == rum.raw)
    // Every vital lands in exactly one class: good ≤ good_max, poor > poor_min.
    let queries = try TelemetryQueries(path: path)
    let vitals = try queries.rumVitals(fromNs: base, toNs: base + 3_600_000_000_000)
    for row in vitals.rows {
        #expect(row[1].int == 5 && row[3].int == 2 && row[4].int == 2 && row[5].int == 1)
    }
    let counts = try queries.evaluationCounts(fromNs: base, toNs: base + 3_600_000_000_000)
    #expect(counts.rows.contains { $0[0].text == "pii" && $0[1].text == "detected" && $0[2].int == 6 })
    let flagged = try queries.flaggedEvaluations(fromNs: base, toNs: base + 3_600_000_000_000, limit: 5)
    #expect(flagged.rows.count == 5)
    #expect(flagged.rows.map { $0[1].int! } == flagged.rows.map { $0[1].int! }.sorted(by: >))
    #expect(flagged.rows.allSatisfy { !["pass", "ok", "none"].contains($0[3].text!) })
    let totals = try queries.rumTotals(fromNs: base, toNs: base + 3_600_000_000_000)
    #expect(totals.rows[0].map(\.int) == [55, 3, 8, 7, 8])
}

@Test func migrationTwoBackfillsTheRollupsOfAVersionOneStore() throws {
    let path = temporaryPath()
    do {
        let db = try SQLiteDatabase(path: path)
        try db.execute(Schema.migrations[0])
        try db.execute("PRAGMA user_version=1")
        let base = Int64(wallClockNanoseconds() - 7_200_000_000_000)
        let evaluation = try db.prepare("INSERT INTO evaluations VALUES (?1, ?2, ?3, ?4, NULL, ?5)")
        for index in 0..<200 {
            for (name, label) in [
                ("pii", index % 9 == 0 ? "detected" : "none"), ("quality", index % 4 == 0 ? "fail" : "ok"),
            ] {
                try evaluation.run([
                    .text("t\(index)"), .text(name), .text(label), .double(Double(index % 10) / 10),
                    .int(base + Int64(index) * 7_000_000_000),
                ])
            }
        }
        let rum = try db.prepare(
            "INSERT INTO rum_events (time_ns, session_id, type, name, value, attributes) VALUES (?1, ?2, ?3, ?4, ?5, '{}')"
        )
        for event in rumEvents(at: UInt64(base)) {
            try rum.run([
                .int(Int64(event.timeNs)), .text(event.sessionID), .text(event.type),
                event.name.map { .text($0) } ?? .null, event.value.map { .double($0) } ?? .null,
            ])
        }
    }
    _ = try TelemetryQueries(path: path)  // opens and migrates
    let db = try SQLiteDatabase(path: path)
    #expect(db.userVersion == Schema.migrations.count)
    let evaluations = try evaluationAggregates(db)
    #expect(evaluations.raw.count > 10)
    #expect(evaluations.rollup == evaluations.raw)
    let rum = try rumAggregates(db)
    #expect(rum.raw.count > 10)
    #expect(rum.rollup == rum.raw)
    // The writer adds to the backfilled minutes.
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    store.enqueue(.rum(rumEvents(at: wallClockNanoseconds() - 7_200_000_000_000)))
    #expect(store.flush())
    store.shutdown()
    let after = try rumAggregates(db)
    #expect(after.rollup == after.raw)
}

@Test func countsOnlyChatsAreCountedButOnlyFailuresKeepARow() throws {
    let path = temporaryPath()
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    let minute = (wallClockNanoseconds() - 3_600_000_000_000) / 60_000_000_000 * 60_000_000_000
    var traces: [ChatTrace] = []
    for index in 0..<30 {
        var trace = chat(index, startNs: minute + UInt64(index) * 1_000_000_000, labels: [])
        trace.summary.durationMs = Double(10 * (index + 1))
        trace.summary.ttftMs = index % 2 == 0 ? 5 : nil
        trace.summary.outputTokens = index
        trace.countsOnly = index >= 10
        if index % 5 == 0 {
            trace.summary.status = 502
            trace.summary.errorCode = "backend_error"
        }
        traces.append(trace)
    }
    for trace in traces { store.enqueue(.chat(trace)) }
    #expect(store.flush())
    store.shutdown()
    let db = try SQLiteDatabase(path: path)
    // Rows: the 10 complete chats, and the failures among the counts-only ones (indexes 10, 15, 20, 25).
    #expect(try db.prepare("SELECT COUNT(*) FROM chats").firstInt() == 14)
    let rollup = try db.prepare(
        "SELECT SUM(requests), SUM(errors), CAST(SUM(latency_sum_ms) AS INTEGER), SUM(ttft_count), SUM(output_tokens), "
            + "SUM(b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7 + b8 + b9 + b10 + b11 + b12 + b13 + b14) FROM rollup_minute"
    ).rows()[0].map(\.int)
    #expect(rollup == [30, 6, 4_650, 15, 435, 30])
}
