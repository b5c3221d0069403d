import Foundation
import Storage
import Telemetry
import Testing

@testable import RUM

@Suite("RUM events in the store")
struct RUMStoreTests {
    func chat(_ traceID: String, status: Int, startNs: UInt64) -> ChatTrace {
        ChatTrace(
            summary: ChatSummary(
                traceID: traceID, requestID: "r-" + traceID.prefix(4), startNs: startNs, durationMs: 900,
                route: "/chat",
                model: "echo", status: status, errorCode: status >= 500 ? "backend_error" : nil, ttftMs: 80),
            spans: [], evaluations: [])
    }

    @Test func joinsActionsToTheirChatAndErrorsToFailedSessions() throws {
        let path = NSTemporaryDirectory() + "kagami-rum-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        let store = TelemetryStore(configuration: .init(path: path), log: Log(component: "test"))
        let now = wallClockNanoseconds()
        let good = "4bf92f3577b34da6a3ce929d0e0e4736"
        let bad = "00f067aa0ba902b700f067aa0ba902b7"
        store.enqueue(.chat(chat(good, status: 200, startNs: now)))
        store.enqueue(.chat(chat(bad, status: 502, startNs: now + 1)))
        func event(_ type: String, _ session: String, name: String, trace: String? = nil, at offset: UInt64) -> RUMEvent
        {
            RUMEvent(
                timeNs: now + offset, sessionID: session, viewID: "v1", type: type, name: name, traceID: trace,
                value: 1200, attributesJSON: "{\"message\":\"x\"}", country: "JP", browser: "Chrome 156", os: "Linux",
                device: "desktop")
        }
        #expect(
            store.store([
                event("action", "session-ok-0000000", name: "send", trace: good, at: 10),
                event("error", "session-ok-0000000", name: "js", at: 11),
                event("action", "session-bad-000000", name: "send", trace: bad, at: 20),
                event("error", "session-bad-000000", name: "promise", at: 21),
                event("vital", "session-bad-000000", name: "LCP", at: 22),
            ]))
        #expect(store.flush())
        let queries = try TelemetryQueries(path: path)
        let actions = try queries.rumActionsWithTraces()
        #expect(actions.count == 2)
        #expect(actions[0].action.traceID == bad && actions[0].chat?.status == 502)
        #expect(actions[1].action.traceID == good && actions[1].chat?.ttftMs == 80)
        let errors = try queries.rumErrorsInSessionsWithFailedChats()
        #expect(errors.count == 1)
        #expect(errors[0].error.name == "promise" && errors[0].failedTraceIDs == [bad])
        #expect(try queries.rumEvents(type: "vital").first?.browser == "Chrome 156")
        #expect(try queries.rumEvents(sessionID: "session-ok-0000000").count == 2)
        store.shutdown()
    }
}
