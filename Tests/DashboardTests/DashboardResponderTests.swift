import FastCGI
import Storage
import Testing

@testable import Dashboard

#if canImport(Glibc)
    import Glibc
#endif

/// A store in a temporary file with a few chats, evaluations and samples written straight into the schema.
final class SeededStore {
    let path: String
    let nowMs: Int64 = 1_760_000_000_000

    init(chats: Int = 5) throws {
        path = "/tmp/kagami-dashboard-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).db"
        let queries = try TelemetryQueries(path: path)  // creates the schema
        _ = queries
        let db = try SQLiteDatabase(path: path)
        for index in 0..<chats {
            let startNs = (nowMs - Int64(index) * 60_000 - 30_000) * 1_000_000
            let id = String(repeating: String(index % 10), count: 32)
            let failed = index == 1
            try db.prepare(
                """
                INSERT INTO chats (trace_id, request_id, start_ns, duration_ms, route, model, status, error_code,
                    input_tokens, output_tokens, ttft_ms, queue_ms, load_ms, prompt_eval_ms, generation_ms, cold_start,
                    cost, input_masked, output_masked)
                VALUES (?1, 'r', ?2, ?3, '/chat', 'gemma3:270m', ?4, ?5, 10, 20, 50, 1, ?6, 20, 300, ?7, 0.001, ?8, 'ok…')
                """
            ).run([
                .text(id), .int(startNs), .double(400 + Double(index)), .int(failed ? 502 : 200),
                failed ? .text("backend_error") : .null, .double(index == 2 ? 2000 : 0), .int(index == 2 ? 1 : 0),
                .text(index == 3 ? "<img src=x onerror=alert(1)> 100%_done" : "hello \(index)"),
            ])
            try db.prepare(
                "INSERT INTO evaluations VALUES (?1, 'pii', ?2, 0.9, 'an email address', ?3)"
            ).run([.text(id), .text(index == 0 ? "detected" : "none"), .int(startNs)])
            let minute = startNs / 60_000_000_000
            try db.prepare(
                """
                INSERT INTO rollup_evaluation_minute VALUES (?1, 'pii', ?2, 1, 0.9)
                ON CONFLICT DO UPDATE SET count = count + 1, score_sum = score_sum + 0.9
                """
            ).run([.int(minute), .text(index == 0 ? "detected" : "none")])
            try db.prepare(
                """
                INSERT INTO rollup_minute (minute, route, model, requests, errors, latency_sum_ms, ttft_sum_ms,
                    ttft_count, input_tokens, output_tokens, cost, host_cost, cold_starts, load_sum_ms, b6)
                VALUES (?1, '/chat', 'gemma3:270m', 1, ?2, 400, 50, 1, 10, 20, 0.001, 0, ?3, ?4, 1)
                """
            ).run([.int(minute), .int(failed ? 1 : 0), .int(index == 2 ? 1 : 0), .double(index == 2 ? 2000 : 0)])
        }
        for second in stride(from: 0, to: 600, by: 5) {
            let t = (nowMs - Int64(second) * 1000) * 1_000_000
            try db.prepare("INSERT INTO host_samples VALUES (?1, 42.5, 1000000000, 4000000000, 0.5)").run([.int(t)])
            try db.prepare("INSERT INTO process_samples VALUES (?1, 7, 'llama-server', 'runner', 30, 400000000)").run([
                .int(t)
            ])
            try db.prepare("INSERT INTO model_residency VALUES (?1, 'default', 'gemma3:270m', 300000000, 0, NULL)")
                .run([.int(t)])
        }
    }

    deinit {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }

    func responder() -> DashboardResponder {
        let now = nowMs
        return DashboardResponder(settings: .init(key: "secret"), databasePath: path, nowMs: { now })
    }
}

func get(
    _ responder: DashboardResponder, _ uri: String, key: String? = "secret", method: String = "GET"
) -> (
    Int, String
) {
    let parts = uri.split(separator: "?", maxSplits: 1)
    var params = [
        "REQUEST_METHOD": method, "DOCUMENT_URI": String(parts[0]),
        "QUERY_STRING": parts.count > 1 ? String(parts[1]) : "",
    ]
    if let key { params["HTTP_X_KAGAMI_DASHBOARD_KEY"] = key }
    let (status, body) = responder.answer(HTTPRequest(params: params))
    return (status, body.serialized())
}

@Suite struct DashboardResponderTests {
    @Test func requiresTheSharedSecret() throws {
        let store = try SeededStore()
        let responder = store.responder()
        #expect(get(responder, "/obs/api/overview", key: nil).0 == 401)
        #expect(get(responder, "/obs/api/overview", key: "wrong").0 == 403)
        #expect(get(responder, "/obs/api/overview").0 == 200)
        #expect(get(responder, "/obs/api/overview", method: "POST").0 == 405)
        #expect(get(responder, "/obs/api/nope").0 == 404)
    }

    @Test func overviewCountsRequestsAndErrors() throws {
        let store = try SeededStore()
        let (status, body) = get(store.responder(), "/obs/api/overview?window=1h&step=1m")
        #expect(status == 200)
        #expect(body.contains(#""requests":5,"errors":1"#))
        #expect(body.contains(#""errors_by_code":[{"code":"backend_error","count":1}]"#))
        #expect(body.contains(#""series":[{"t":"#))
    }

    @Test func tracesPageWithCursorAndSearch() throws {
        let store = try SeededStore()
        let responder = store.responder()
        let (status, first) = get(responder, "/obs/api/traces?limit=2")
        #expect(status == 200)
        let cursor = try #require(first.split(separator: "\"next_cursor\":\"").last?.split(separator: "\"").first)
        let (_, second) = get(responder, "/obs/api/traces?limit=2&cursor=\(cursor)")
        #expect(second.contains("\"trace_id\":\"222"))
        #expect(!second.contains("\"trace_id\":\"000"))
        // LIKE wildcards in the search are literal text.
        #expect(get(responder, "/obs/api/traces?q=100%25_").1.contains("\"trace_id\":\"333"))
        #expect(get(responder, "/obs/api/traces?q=%25").1.contains("\"trace_id\":\"333"))
        #expect(!get(responder, "/obs/api/traces?q=hello%25").1.contains("\"trace_id\""))
        #expect(get(responder, "/obs/api/traces?q=%27%20OR%201%3D1--").1.contains(#""traces":[]"#))
        #expect(get(responder, "/obs/api/traces?label=detected").1.contains("\"trace_id\":\"000"))
        #expect(get(responder, "/obs/api/traces?status=error").1.contains("\"error_code\":\"backend_error\""))
        #expect(get(responder, "/obs/api/traces?route=%27").0 == 400)
    }

    @Test func traceDetailHasPhasesSamplesAndEscapedText() throws {
        let store = try SeededStore()
        let responder = store.responder()
        let (status, body) = get(responder, "/obs/api/trace/" + String(repeating: "3", count: 32))
        #expect(status == 200)
        #expect(body.contains("\\u003cimg src=x onerror=alert(1)\\u003e"))
        #expect(body.contains("\"name\":\"generate\""))
        #expect(body.contains("\"host\":[{\"t\":"))
        #expect(get(responder, "/obs/api/trace/" + String(repeating: "f", count: 32)).1 == #"{"trace":null}"#)
        #expect(get(responder, "/obs/api/trace/xyz").0 == 400)
        #expect(get(responder, "/obs/api/trace/33333333").1.contains("\"trace_id\":\"3333"))
    }

    @Test func infrastructureEvaluationsAndRUM() throws {
        let store = try SeededStore()
        let responder = store.responder()
        let (status, infrastructure) = get(responder, "/obs/api/infrastructure?window=1h")
        #expect(status == 200)
        #expect(infrastructure.contains("1 cold starts cost 2 s of user waiting"))
        #expect(infrastructure.contains("\"role\":\"runner\""))
        #expect(get(responder, "/obs/api/evaluations?window=1h").1.contains("\"label\":\"detected\""))
        let (rumStatus, rum) = get(responder, "/obs/api/rum?window=1h")
        #expect(rumStatus == 200)
        #expect(rum.contains("\"has_data\":false"))
    }

    @Test func rumHasExactActionCountsAndViewBreakdowns() throws {
        let store = try SeededStore()
        let db = try SQLiteDatabase(path: store.path)
        let events: [(type: String, name: String, country: String)] =
            Array(repeating: ("action", "send", "JP"), count: 4) + [
                ("action", "stop", "JP"), ("action", "model_change", "US"), ("action", "stop", "US"),
                ("view", "/", "JP"), ("view", "/", "JP"), ("view", "/", "DE"),
            ]
        for (index, event) in events.enumerated() {
            let timeNs = (store.nowMs - 120_000 - Int64(index) * 1000) * 1_000_000
            try db.prepare(
                """
                INSERT INTO rum_events (time_ns, session_id, view_id, type, name, value, attributes, country, browser,
                    os, device) VALUES (?1, ?2, 'v', ?3, ?4, 900, '{}', ?5, 'Chrome', 'Linux', 'desktop')
                """
            ).run([
                .int(timeNs), .text("sess-\(index % 2)"), .text(event.type), .text(event.name), .text(event.country),
            ])
            try db.prepare(
                """
                INSERT INTO rollup_rum_minute VALUES (?1, ?2, ?3, 1, 900, 0, 0, 0)
                ON CONFLICT DO UPDATE SET count = count + 1, value_sum = value_sum + 900
                """
            ).run([.int(timeNs / 60_000_000_000), .text(event.type), .text(event.name)])
            if event.type == "view" {  // and the session rollup, as StoreWriter keeps it
                try db.prepare("INSERT OR IGNORE INTO rollup_rum_session_hour VALUES (?1, ?2)").run([
                    .int(timeNs / 3_600_000_000_000), .text("sess-\(index % 2)"),
                ])
            }
        }
        let (status, rum) = get(store.responder(), "/obs/api/rum?window=1h")
        #expect(status == 200)
        #expect(
            rum.contains(
                #""action_counts":[{"name":"send","count":4},{"name":"stop","count":2},{"name":"model_change","count":1}]"#
            ))
        #expect(rum.contains(#""totals":{"events":10,"sessions":2,"views":3,"errors":0,"actions":7}"#))
        #expect(rum.contains(#""countries":[{"key":"JP","count":2,"sessions":2,"avg_value":900"#))
        #expect(rum.contains(#""browsers":[{"key":"Chrome","count":3,"sessions":2"#))
    }

    @Test func emptyStoreAnswersEmptyResults() throws {
        let store = try SeededStore(chats: 0)
        let responder = store.responder()
        for path in ["overview", "traces", "evaluations", "infrastructure", "rum"] {
            #expect(get(responder, "/obs/api/" + path).0 == 200)
        }
        #expect(get(responder, "/obs/api/overview").1.contains(#""requests":0"#))
    }
}
