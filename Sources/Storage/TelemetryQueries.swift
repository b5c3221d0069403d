import FoundationEssentials
import Telemetry

/// Aggregates for a time window, from the per-minute rollups (fast however many chats are stored).
public struct WindowSummary: Sendable, Equatable {
    /// Per route and model.
    public struct Group: Sendable, Equatable {
        public var route: String
        public var model: String
        public var requests: Int
        public var errors: Int
        public var p50Ms: Double?
        public var p95Ms: Double?
        public var p99Ms: Double?
        public var inputTokens: Int
        public var outputTokens: Int
        public var cost: Double
        public var coldStarts: Int
    }

    public var fromNs: UInt64
    public var toNs: UInt64
    public var requests: Int
    public var errors: Int
    public var p50Ms: Double?
    public var p95Ms: Double?
    public var p99Ms: Double?
    public var averageTTFTMs: Double?
    public var inputTokens: Int
    public var outputTokens: Int
    public var cost: Double
    public var hostCost: Double
    public var coldStarts: Int
    /// Time users spent waiting for model loads, ms.
    public var coldStartWaitMs: Double
    public var groups: [Group]

    public var errorRate: Double { requests == 0 ? 0 : Double(errors) / Double(requests) }
}

/// The store's read side: the queries behind the CLI and the dashboard. Opens its own connection, so
/// reads never wait for the writer (WAL).
public final class TelemetryQueries {
    let database: SQLiteDatabase  // internal: the query extensions (TelemetryQueries+RUM) use it

    public init(path: String) throws(StorageError) {
        database = try SQLiteDatabase(path: path)
        try Schema.migrate(database)  // a reader may be first to open a new file
    }

    /// The newest chats, newest first; `beforeNs` pages backwards.
    public func recentChats(limit: Int = 20, beforeNs: UInt64? = nil) throws(StorageError) -> [ChatSummary] {
        let rows = try database.prepare(
            "SELECT \(Self.chatColumns) FROM chats WHERE start_ns < ?1 ORDER BY start_ns DESC LIMIT ?2"
        ).rows([.int(Int64(beforeNs ?? UInt64(Int64.max))), .int(Int64(limit))])
        return rows.map(Self.chat)
    }

    /// One chat with its spans (in start order) and evaluations; `nil` when unknown.
    public func trace(_ traceID: String) throws(StorageError) -> ChatTrace? {
        guard
            let row = try database.prepare("SELECT \(Self.chatColumns) FROM chats WHERE trace_id = ?1")
                .rows([.text(traceID)]).first
        else { return nil }
        let spans = try database.prepare(
            """
            SELECT trace_id, span_id, parent_id, name, kind, start_ns, end_ns, error_type, attributes FROM spans
            WHERE trace_id = ?1 ORDER BY start_ns, name
            """
        ).rows([.text(traceID)]).map(Self.span)
        let evaluations = try database.prepare(
            "SELECT name, label, score, reason FROM evaluations WHERE trace_id = ?1 ORDER BY name"
        ).rows([.text(traceID)]).map {
            StoredEvaluation(
                name: $0[0].text ?? "", label: $0[1].text ?? "", score: $0[2].double ?? 0, reason: $0[3].text ?? "")
        }
        return ChatTrace(summary: Self.chat(row), spans: spans, evaluations: evaluations)
    }

    /// Finds a chat by a prefix of its trace id or its request id (what operators copy from logs).
    public func findTraceID(prefix: String) throws(StorageError) -> String? {
        guard prefix.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }), !prefix.isEmpty else {
            return nil
        }
        return try database.prepare(
            """
            SELECT trace_id FROM chats WHERE trace_id >= ?1 AND trace_id < ?1 || 'g'
            UNION ALL SELECT trace_id FROM chats WHERE request_id = ?1 LIMIT 1
            """
        ).rows([.text(prefix)]).first?.first?.text
    }

    /// Host samples in a window, oldest first.
    public func hostSamples(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> [HostSample] {
        try database.prepare(
            "SELECT time_ns, cpu_percent, memory_used, memory_total, load1 FROM host_samples WHERE time_ns BETWEEN ?1 AND ?2 ORDER BY time_ns"
        ).rows([.int(Int64(fromNs)), .int(Int64(toNs))]).map {
            HostSample(
                timeNs: UInt64($0[0].int ?? 0), cpuPercent: $0[1].double ?? 0, memoryUsedBytes: $0[2].int ?? 0,
                memoryTotalBytes: $0[3].int ?? 0, load1: $0[4].double ?? 0)
        }
    }

    /// Process samples in a window, oldest first.
    public func processSamples(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> [ProcessSample] {
        try database.prepare(
            "SELECT time_ns, pid, name, role, cpu_percent, rss FROM process_samples WHERE time_ns BETWEEN ?1 AND ?2 ORDER BY time_ns, pid"
        ).rows([.int(Int64(fromNs)), .int(Int64(toNs))]).map {
            ProcessSample(
                timeNs: UInt64($0[0].int ?? 0), pid: Int($0[1].int ?? 0), name: $0[2].text ?? "",
                role: $0[3].text ?? "",
                cpuPercent: $0[4].double ?? 0, rssBytes: $0[5].int ?? 0)
        }
    }

    /// Model residency samples in a window (model "" means nothing was resident).
    public func residency(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> [ResidencySample] {
        try database.prepare(
            "SELECT time_ns, backend, model, size, vram, expires_at FROM model_residency WHERE time_ns BETWEEN ?1 AND ?2 ORDER BY time_ns"
        ).rows([.int(Int64(fromNs)), .int(Int64(toNs))]).map {
            ResidencySample(
                timeNs: UInt64($0[0].int ?? 0), backend: $0[1].text ?? "", model: $0[2].text ?? "",
                sizeBytes: $0[3].int,
                vramBytes: $0[4].int, expiresAt: $0[5].text)
        }
    }

    /// Requests, errors, latency percentiles, tokens, cost and cold starts for `[fromNs, toNs)`.
    public func summary(fromNs: UInt64, toNs: UInt64) throws(StorageError) -> WindowSummary {
        let buckets = (0...14).map { "SUM(b\($0))" }.joined(separator: ", ")
        let rows = try database.prepare(
            """
            SELECT route, model, SUM(requests), SUM(errors), SUM(ttft_sum_ms), SUM(ttft_count), SUM(input_tokens),
                SUM(output_tokens), SUM(cost), SUM(host_cost), SUM(cold_starts), SUM(load_sum_ms), \(buckets)
            FROM rollup_minute WHERE minute >= ?1 AND minute < ?2 GROUP BY route, model ORDER BY route, model
            """
        ).rows([.int(Int64(fromNs / 60_000_000_000)), .int(Int64((toNs + 59_999_999_999) / 60_000_000_000))])
        var total = WindowSummary(
            fromNs: fromNs, toNs: toNs, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cost: 0, hostCost: 0,
            coldStarts: 0, coldStartWaitMs: 0, groups: [])
        var allBuckets = [Int](repeating: 0, count: 15)
        var ttftSum = 0.0
        var ttftCount = 0
        for row in rows {
            let counts = (12..<27).map { Int(row[$0].int ?? 0) }
            for index in 0..<15 { allBuckets[index] += counts[index] }
            let group = WindowSummary.Group(
                route: row[0].text ?? "", model: row[1].text ?? "", requests: Int(row[2].int ?? 0),
                errors: Int(row[3].int ?? 0), p50Ms: Self.percentile(0.50, counts),
                p95Ms: Self.percentile(0.95, counts),
                p99Ms: Self.percentile(0.99, counts), inputTokens: Int(row[6].int ?? 0),
                outputTokens: Int(row[7].int ?? 0), cost: row[8].double ?? 0, coldStarts: Int(row[10].int ?? 0))
            total.groups.append(group)
            total.requests += group.requests
            total.errors += group.errors
            total.inputTokens += group.inputTokens
            total.outputTokens += group.outputTokens
            total.cost += group.cost
            total.hostCost += row[9].double ?? 0
            total.coldStarts += group.coldStarts
            total.coldStartWaitMs += row[11].double ?? 0
            ttftSum += row[4].double ?? 0
            ttftCount += Int(row[5].int ?? 0)
        }
        total.p50Ms = Self.percentile(0.50, allBuckets)
        total.p95Ms = Self.percentile(0.95, allBuckets)
        total.p99Ms = Self.percentile(0.99, allBuckets)
        total.averageTTFTMs = ttftCount == 0 ? nil : ttftSum / Double(ttftCount)
        return total
    }

    /// A percentile from histogram counts, interpolated linearly inside the bucket it falls in.
    static func percentile(_ q: Double, _ counts: [Int]) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = q * Double(total)
        var seen = 0.0
        for (index, count) in counts.enumerated() where count > 0 {
            if seen + Double(count) >= rank {
                let lower = index == 0 ? 0 : Schema.latencyBoundsMs[index - 1]
                let upper = index < Schema.latencyBoundsMs.count ? Schema.latencyBoundsMs[index] : lower * 2
                return lower + (upper - lower) * max(0, min(1, (rank - seen) / Double(count)))
            }
            seen += Double(count)
        }
        return Schema.latencyBoundsMs.last
    }

    static let chatColumns = """
        trace_id, request_id, start_ns, duration_ms, route, model, provider, status, error_code, error_message,
        session_id, input_tokens, output_tokens, ttft_ms, tokens_per_second, queue_ms, load_ms, prompt_eval_ms,
        generation_ms, cold_start, cost, host_cost, input_masked, output_masked, streamed, client_disconnected
        """

    static func chat(_ r: [SQLiteValue]) -> ChatSummary {
        ChatSummary(
            traceID: r[0].text ?? "", requestID: r[1].text ?? "", startNs: UInt64(r[2].int ?? 0),
            durationMs: r[3].double ?? 0, route: r[4].text ?? "", model: r[5].text, provider: r[6].text,
            status: Int(r[7].int ?? 0), errorCode: r[8].text, errorMessage: r[9].text, sessionID: r[10].text,
            inputTokens: r[11].int.map(Int.init), outputTokens: r[12].int.map(Int.init), ttftMs: r[13].double,
            tokensPerSecond: r[14].double, queueMs: r[15].double, loadMs: r[16].double, promptEvalMs: r[17].double,
            generationMs: r[18].double, coldStart: r[19].int == 1, cost: r[20].double, hostCost: r[21].double,
            inputMasked: r[22].text, outputMasked: r[23].text, streamed: r[24].int == 1,
            clientDisconnected: r[25].int == 1)
    }

    static func span(_ r: [SQLiteValue]) -> Span {
        let attributes =
            (try? JSONDecoder().decode([String: AttributeValue].self, from: Data((r[8].text ?? "{}").utf8))) ?? [:]
        return Span(
            traceID: r[0].text ?? "", spanID: r[1].text ?? "", parentSpanID: r[2].text, name: r[3].text ?? "",
            kind: SpanKind(rawValue: r[4].text ?? "") ?? .internal, startNs: UInt64(r[5].int ?? 0),
            endNs: UInt64(r[6].int ?? 0), errorType: r[7].text, attributes: attributes)
    }
}

extension AttributeValue: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            self = .strings(try container.decode([String].self))
        }
    }
}
