import Storage
import Telemetry
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A database path in a new temporary directory (shared by this module's tests).
func temporaryPath(_ name: String = "kagami.db") -> String {
    var template = Array("/tmp/kagami-store-XXXXXX".utf8CString)
    let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    return directory + "/" + name
}

private func trace(
    _ index: Int, startNs: UInt64 = wallClockNanoseconds(), durationMs: Double = 100, status: Int = 200,
    route: String = "/chat"
) -> ChatTrace {
    let id = String(repeating: "0", count: 32 - String(index).count) + String(index)
    let root = Span(
        traceID: id, spanID: "00000000000000a1", parentSpanID: nil, name: "POST \(route)", kind: .server,
        startNs: startNs, endNs: startNs + UInt64(durationMs * 1e6),
        attributes: ["http.route": .string(route), "http.response.status_code": .int(status)])
    let llm = Span(
        traceID: id, spanID: "00000000000000a2", parentSpanID: "00000000000000a1", name: "chat gemma3:270m",
        kind: .client, startNs: startNs + 1_000_000, endNs: startNs + UInt64(durationMs * 1e6),
        errorType: status >= 500 ? "backend_timeout" : nil,
        attributes: ["gen_ai.usage.output_tokens": .int(12), "gen_ai.response.finish_reasons": .strings(["stop"])])
    return ChatTrace(
        summary: ChatSummary(
            traceID: id, requestID: "r\(index)", startNs: startNs, durationMs: durationMs, route: route,
            model: "gemma3:270m", status: status, errorCode: status >= 500 ? "backend_timeout" : nil,
            inputTokens: 5, outputTokens: 12, ttftMs: 20, coldStart: index == 0, cost: 0.001,
            inputMasked: "Hello, wor…[masked 12 chars]"),
        spans: [root, llm],
        evaluations: [StoredEvaluation(name: "quality", label: "ok", score: 1, reason: "no repetition")])
}

@Test func chatsRoundTripWithSpansAndEvaluations() throws {
    let path = temporaryPath()
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    #expect(store.enqueue(.chat(trace(1))))
    #expect(store.flush())
    let queries = try TelemetryQueries(path: path)
    let read = try #require(try queries.trace(trace(1).summary.traceID))
    #expect(read.summary.outputTokens == 12 && read.summary.inputMasked == "Hello, wor…[masked 12 chars]")
    #expect(read.spans.count == 2)
    #expect(read.spans[1].attributes["gen_ai.response.finish_reasons"] == .strings(["stop"]))
    #expect(read.spans[0].attributes["http.response.status_code"] == .int(200))
    #expect(read.evaluations.first?.label == "ok")
    #expect(try queries.findTraceID(prefix: "0000000000") == read.summary.traceID)
    #expect(try queries.findTraceID(prefix: "r1") == nil)  // not hex: ids only
    store.shutdown()
}

@Test func summaryComesFromRollups() throws {
    let path = temporaryPath()
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    let now = wallClockNanoseconds()
    for index in 0..<100 {
        // 90 fast (~100 ms), 10 slow failures (~5 s).
        let slow = index >= 90
        store.enqueue(.chat(trace(index, startNs: now, durationMs: slow ? 5_000 : 100, status: slow ? 504 : 200)))
    }
    #expect(store.flush())
    let summary = try TelemetryQueries(path: path).summary(fromNs: now - 60_000_000_000, toNs: now + 60_000_000_000)
    #expect(summary.requests == 100 && summary.errors == 10)
    #expect(summary.outputTokens == 1_200 && summary.coldStarts == 1)
    let p50 = try #require(summary.p50Ms)
    let p95 = try #require(summary.p95Ms)
    #expect(p50 > 80 && p50 <= 160)
    #expect(p95 > 2_560 && p95 <= 5_120)
    #expect(summary.averageTTFTMs == 20)
    store.shutdown()
}

@Test func aFullQueueDropsInsteadOfBlocking() {
    let store = TelemetryStore(
        configuration: .init(path: temporaryPath(), queueCapacity: 3, flushIntervalMs: 10_000),
        log: Log(component: "test"))
    var accepted = 0
    for index in 0..<10 where store.enqueue(.chat(trace(index))) { accepted += 1 }
    #expect(accepted <= 10 && store.dropped == 10 - accepted)
    #expect(store.dropped > 0)
    store.shutdown()
}

@Test func aFullQueueWaitsForRoomWhenAskedTo() {
    // Capacity 3 and a writer that would otherwise sleep 10 s between batches: without the wait most of these
    // 50 would be dropped (see above); with it, each one waits for the writer to take a batch.
    let store = TelemetryStore(
        configuration: .init(path: temporaryPath(), queueCapacity: 3, flushIntervalMs: 10_000),
        log: Log(component: "test"))
    var accepted = 0
    for index in 0..<50 where store.enqueue(.chat(trace(index)), waitMs: 2_000) { accepted += 1 }
    #expect(accepted == 50 && store.dropped == 0)
    #expect(store.flush(timeoutMs: 5_000))
    #expect(store.written == 50)
    store.shutdown()
}

@Test func anUnwritableStoreCountsDropsAndNeverThrows() {
    let store = TelemetryStore(
        configuration: .init(path: "/proc/kagami-cannot-write-here/kagami.db"), log: Log(component: "test"))
    for index in 0..<5 { store.enqueue(.chat(trace(index))) }
    store.flush(timeoutMs: 2_000)
    #expect(store.dropped == 5 && store.written == 0)
    store.shutdown()
}

@Test func aCorruptDatabaseIsSetAsideAndReplaced() throws {
    let path = temporaryPath()
    let garbage = Array(repeating: UInt8(0x5a), count: 8192)
    let file = fopen(path, "w")
    fwrite(garbage, 1, garbage.count, file)
    fclose(file)
    let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
    store.enqueue(.chat(trace(7)))
    #expect(store.flush())
    #expect(store.written == 1)
    #expect(try TelemetryQueries(path: path).recentChats().count == 1)
    let directory = String(path[..<path.lastIndex(of: "/")!])
    let entries = try listDirectory(directory)
    #expect(entries.contains { $0.hasPrefix("kagami.db.corrupt-") })
    store.shutdown()
}

@Test func retentionDeletesOldRowsInTheBackground() throws {
    let path = temporaryPath()
    let store = TelemetryStore(
        configuration: .init(path: path, retentionDays: 1, maintenanceIntervalSeconds: 1), log: Log(component: "test"))
    let old = wallClockNanoseconds() - 3 * 86_400 * 1_000_000_000
    store.enqueue(.chat(trace(1, startNs: old)))
    store.enqueue(.chat(trace(2)))
    store.enqueue(.host(HostSample(timeNs: old, cpuPercent: 50, memoryUsedBytes: 1, memoryTotalBytes: 2, load1: 0)))
    #expect(store.flush())
    // The first maintenance runs 5 s after start; wait for it.
    let queries = try TelemetryQueries(path: path)
    var remaining = try queries.recentChats().count
    let deadline = monotonicMilliseconds() + 10_000
    while remaining > 1 && monotonicMilliseconds() < deadline {
        usleep(200_000)
        remaining = try queries.recentChats().count
    }
    #expect(remaining == 1)
    #expect(try queries.trace(trace(1).summary.traceID) == nil)
    #expect(try queries.hostSamples(fromNs: 0, toNs: UInt64.max >> 1).isEmpty)
    store.shutdown()
}

@Test func twoWritersShareOneFileWithoutLockErrors() throws {
    let path = temporaryPath()
    let first = TelemetryStore(configuration: .init(path: path, flushIntervalMs: 1), log: Log(component: "a"))
    let second = TelemetryStore(configuration: .init(path: path, flushIntervalMs: 1), log: Log(component: "b"))
    for index in 0..<400 { (index % 2 == 0 ? first : second).enqueue(.chat(trace(index))) }
    #expect(first.flush() && second.flush())
    #expect(first.dropped == 0 && second.dropped == 0)
    #expect(try TelemetryQueries(path: path).summary(fromNs: 0, toNs: UInt64(Int64.max)).requests == 400)
    first.shutdown()
    second.shutdown()
}

private func listDirectory(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        names.append(
            withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            })
    }
    return names
}
