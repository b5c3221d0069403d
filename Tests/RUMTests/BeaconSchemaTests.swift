import Foundation
import Testing

@testable import RUM

@Suite("RUM beacon schema")
struct BeaconSchemaTests {
    @Test func acceptsAValidBatch() throws {
        let batch = try Beacon.validate(
            Beacon.body([
                Beacon.view, Beacon.vital("LCP", "812.5"), Beacon.vital("CLS", "0.05"), Beacon.action,
                Beacon.jsError,
            ]))
        #expect(batch.rejected.isEmpty)
        #expect(batch.events.map(\.type) == ["view", "vital", "vital", "action", "error"])
        #expect(batch.sessionID == Beacon.session)
        let action = try #require(batch.events.first { $0.type == "action" })
        #expect(action.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(action.value == 1520)
        #expect(action.attributesJSON == "{\"ttft_painted_ms\":180.2,\"route\":\"/chat\"}")
        // Times are re-based on the server clock: 2 s before the beacon was sent.
        #expect(action.timeNs == Beacon.receivedNs - 2_000_000_000)
        let error = try #require(batch.events.first { $0.type == "error" })
        #expect(error.attributesJSON.contains("\"stack\":\"Error: boom\\n    at f (chat.js:12:3)\""))
    }

    @Test func keepsTheValidEventsOfAPartlyBadBatch() throws {
        let batch = try Beacon.validate(
            Beacon.body([
                Beacon.vital("LCP", "-5"), Beacon.vital("LCP", "900"), Beacon.vital("CLS", "1e9"),
                "{\"type\":\"telemetry\",\"t\":\(Int(Beacon.sentAt))}", "42",
                "{\"type\":\"vital\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"LCP\",\"value\":\"fast\"}",
                "{\"type\":\"action\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"send\",\"trace_id\":\"XYZ\"}",
                "{\"type\":\"vital\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"FID\",\"value\":3}",
                "{\"type\":\"vital\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"LCP\",\"value\":1e999}",
            ]))
        #expect(batch.events.count == 1)
        #expect(batch.events[0].value == 900)
        #expect(batch.rejected.map(\.index) == [0, 2, 3, 4, 5, 6, 7, 8])
        #expect(batch.rejected[0].reason == "value: LCP must be 0…600000 ms")
        #expect(batch.rejected[1].reason == "value: CLS must be 0…100")
        #expect(batch.rejected[2].reason.hasPrefix("type: must be one of action, error"))
        #expect(batch.rejected[3].reason == "must be an object, not a number")
        #expect(batch.rejected[4].reason == "value: must be a number, not a string")
        #expect(batch.rejected[5].reason.hasPrefix("trace_id:"))
        #expect(batch.rejected[6].reason.hasPrefix("name: a vital must be one of CLS, FCP, INP, LCP, TTFB"))
        #expect(batch.rejected[7].reason == "value: must be a finite number")
    }

    @Test(arguments: [
        ("", "empty_body"), ("not json", "invalid_json"), ("{\"session_id\":\"0123", "invalid_json"),
        ("[1,2]", "invalid_beacon"), ("{\"view_id\":\"fedcba9876543210\"}", "invalid_beacon"),
        (String(repeating: "[", count: 100_000), "invalid_json"),
        (
            "{\"session_id\":\"0123456789abcdef\",\"view_id\":\"fedcba9876543210\",\"sent_at\":1,\"events\":[]}",
            "invalid_beacon"
        ),
        ("{\"a\":1} trailing", "invalid_json"),
    ])
    func refusesBadEnvelopes(body: String, code: String) {
        #expect(throws: BeaconError.self) { try Beacon.validate(body) }
        do {
            _ = try Beacon.validate(body)
        } catch {
            #expect(error.code == code, "\(error)")
            #expect(error.status == 400)
        }
    }

    @Test func refusesInvalidUTF8() {
        var bytes = Array(Beacon.body([Beacon.vital("LCP", "100")]).utf8)
        bytes.insert(0xFF, at: 20)
        #expect(throws: BeaconError(status: 400, code: "invalid_utf8", message: "the beacon is not valid UTF-8")) {
            try BeaconSchema().validate(bytes, receivedNs: Beacon.receivedNs)
        }
    }

    @Test func refusesTenThousandEventsWhole() {
        let events = Array(repeating: Beacon.vital("LCP", "100"), count: 10_000)
        do {
            _ = try Beacon.validate(Beacon.body(events))
            Issue.record("accepted 10,000 events")
        } catch {
            #expect(error.code == "too_many_events")
            #expect(error.message == "10000 events in one beacon; at most 200 are accepted")
        }
    }

    @Test func boundsStringsAndAttributes() throws {
        let huge = String(repeating: "x", count: 1 << 20)
        let batch = try Beacon.validate(
            Beacon.body([
                "{\"type\":\"error\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"js\",\"attrs\":{\"message\":\"\(huge)\"}}",
                "{\"type\":\"error\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"js\",\"attrs\":{\"nested\":{\"a\":1}}}",
                "{\"type\":\"error\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"js\",\"attrs\":{\"Bad-Key\":1}}",
                "{\"type\":\"action\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"send\",\"attrs\":{\"ttft_painted_ms\":-1}}",
                "{\"type\":\"view\",\"t\":\(Int(Beacon.sentAt - 90_000_000)),\"name\":\"/\"}",
                "{\"type\":\"view\",\"t\":\(Int(Beacon.sentAt)),\"name\":\"/\",\"extra\":1}",
                Beacon.jsError,
            ]))
        #expect(batch.events.count == 1)
        #expect(
            batch.rejected.map(\.reason) == [
                "attrs.message: longer than 1024 bytes", "attrs.nested: must be a string, number, boolean or null",
                "attrs: names must be 1–64 characters of a-z, 0-9 and _", "attrs.ttft_painted_ms: must be 0…3600000 ms",
                "t: must be within a day before sent_at", "unknown field \"extra\"",
            ])
        #expect(throws: BeaconError.self) {
            try Beacon.validate(Beacon.body([Beacon.view], session: String(repeating: "a", count: 100)))
        }
    }

    @Test func readsClientHintsFromThePage() throws {
        let batch = try Beacon.validate(
            Beacon.body(
                [Beacon.view], extra: ",\"client\":{\"browser\":\"Chrome 156\",\"os\":\"Linux 6.1\",\"mobile\":false}"))
        #expect(batch.client == ClientDevice(browser: "Chrome 156", os: "Linux 6.1", device: "desktop"))
        #expect(throws: BeaconError.self) {
            try Beacon.validate(Beacon.body([Beacon.view], extra: ",\"client\":{\"mobile\":\"yes\"}"))
        }
    }
}
