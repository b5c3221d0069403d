import Testing

@testable import Dashboard

@Suite struct QueryParametersTests {
    @Test func decodesPercentAndPlus() throws {
        let p = try QueryParameters(query: "q=a%20b+c%E3%81%82&limit=5", allowed: ["q", "limit"])
        #expect(p.values["q"] == "a b cあ")
        #expect(try p.integer("limit", in: 1...200) == 5)
    }

    @Test(arguments: ["q=%ZZ", "q=%4", "q=%FF%FE"])
    func refusesMalformedEncoding(_ query: String) {
        #expect(throws: DashboardError.self) { try QueryParameters(query: query, allowed: ["q"]) }
    }

    @Test func refusesUnknownAndRepeatedNames() {
        #expect(throws: DashboardError.self) { try QueryParameters(query: "windw=1h", allowed: ["window"]) }
        #expect(throws: DashboardError.self) { try QueryParameters(query: "window=1h&window=2h", allowed: ["window"]) }
    }

    @Test func durations() throws {
        let p = try QueryParameters(query: "window=24h&step=5m", allowed: ["window", "step"])
        let window = try p.window(nowMs: 100 * 86_400_000, defaultMs: 3_600_000)
        #expect(window.toMs - window.fromMs == 86_400_000)
        #expect(try p.step(spanMs: 86_400_000) == 300_000)
    }

    @Test(arguments: ["window=32d", "window=0h", "window=1y", "window=-1h", "window=1h;DROP", "window=", "window=59s"])
    func refusesBadWindows(_ query: String) throws {
        let p = try QueryParameters(query: query, allowed: ["window"])
        #expect(throws: DashboardError.self) { try p.window(nowMs: 1_000_000_000_000, defaultMs: 3_600_000) }
    }

    @Test func refusesTooManyPoints() throws {
        let p = try QueryParameters(query: "step=1m", allowed: ["step"])
        #expect(throws: DashboardError.self) { try p.step(spanMs: 31 * 86_400_000) }
        #expect(try p.step(spanMs: 86_400_000) == 60_000)
    }

    @Test func automaticStepGivesAboutSixtyPoints() throws {
        let p = try QueryParameters(query: "", allowed: [])
        #expect(try p.step(spanMs: 3_600_000) == 60_000)
        #expect(try p.step(spanMs: 86_400_000) == 1_440_000)
    }

    @Test(arguments: [
        "route=/chat'%20OR%201=1--", "model=x;DROP%20TABLE%20chats", "label=%22", "session=a%20b", "status=maybe",
        "min_ms=-5", "min_ms=1e9", "limit=0", "limit=1000", "cursor=abc", "from=2&to=1",
    ])
    func traceFilterRefusesBadValues(_ query: String) throws {
        let allowed: Set<String> = [
            "from", "to", "window", "route", "model", "status", "label", "session", "min_ms", "q", "cursor", "limit",
        ]
        let p = try QueryParameters(query: query, allowed: allowed)
        #expect(throws: DashboardError.self) { try DashboardResponder.traceFilter(p, nowMs: 1_000_000_000_000) }
    }

    @Test func traceFilterKeepsFreeTextAsText() throws {
        let p = try QueryParameters(
            query: "q=%27%3B%20DROP%20TABLE%20chats%3B--%25_&route=/chat&status=error&min_ms=100",
            allowed: ["q", "route", "status", "min_ms"])
        let filter = try DashboardResponder.traceFilter(p, nowMs: 1_000_000_000_000)
        #expect(filter.text == "'; DROP TABLE chats;--%_")
        #expect(filter.route == "/chat")
        #expect(filter.status == "error")
        #expect(filter.minMs == 100)
        #expect(filter.toNs - filter.fromNs == 86_400_000_000_000)
    }

    @Test func jsonEscapesMarkup() {
        let value: JSONValue = .object([("x", .string("<img src=x onerror=alert(1)>\"\n")), ("n", .double(1.5))])
        #expect(value.serialized() == #"{"x":"\u003cimg src=x onerror=alert(1)\u003e\"\n","n":1.5}"#)
    }
}
