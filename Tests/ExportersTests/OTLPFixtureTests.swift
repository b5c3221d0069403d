import Foundation
import Telemetry
import Testing

@testable import Exporters

/// Our protobuf bytes against bytes the official `opentelemetry-proto` Python classes produced for the same
/// spans (`Fixtures/make_fixtures.py`).
@Suite struct OTLPFixtureTests {
    static let resource = ExportResource(
        serviceName: "kagami", serviceVersion: "0.6.0", hostName: "test-host", environment: "test")

    static var fixtureSpans: [Span] {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let server = Span(
            traceID: trace, spanID: "00f067aa0ba902b7", parentSpanID: nil, name: "POST /chat", kind: .server,
            startNs: 1_700_000_000_000_000_000, endNs: 1_700_000_000_500_000_000,
            attributes: [
                "http.request.method": .string("POST"), "http.response.status_code": .int(200),
                "kagami.flag": .bool(false), "kagami.zero": .int(0),
            ])
        let llm = Span(
            traceID: trace, spanID: "1111111111111111", parentSpanID: "00f067aa0ba902b7", name: "chat gemma3:270m",
            kind: .client, startNs: 1_700_000_000_001_000_000, endNs: 1_700_000_000_499_000_000,
            errorType: "backend_timeout",
            attributes: [
                "gen_ai.request.model": .string("gemma3:270m"), "gen_ai.response.finish_reasons": .strings(["stop"]),
                "gen_ai.usage.input_tokens": .int(12), "kagami.ttft_ms": .double(12.5), "kagami.empty": .string(""),
                "kagami.neg": .int(-3), "input.value": .string("日本の首都は…[masked 3 chars]"),
            ],
            events: [
                SpanEvent(
                    name: "gen_ai.evaluation.result", timeNs: 1_700_000_000_499_000_000,
                    attributes: [
                        "gen_ai.evaluation.name": .string("quality"), "gen_ai.evaluation.score.value": .double(0),
                    ])
            ])
        return [server, llm]
    }

    @Test func protobufMatchesTheOfficialEncoding() throws {
        let url = try #require(
            Bundle.module.url(forResource: "otlp_traces", withExtension: "bin", subdirectory: "Fixtures"))
        let expected = [UInt8](try Data(contentsOf: url))
        let actual = OTLPTraceEncoder(resource: Self.resource).protobuf(Self.fixtureSpans)
        #expect(actual.count == expected.count)
        if let index = zip(actual, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("first difference at byte \(index) of \(expected.count)")
        }
        #expect(actual == expected)
    }

    @Test func jsonUsesHexIdsStringInt64sAndIntegerEnums() throws {
        let text = OTLPTraceEncoder(resource: Self.resource).json(Self.fixtureSpans)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let resourceSpans = try #require(root["resourceSpans"] as? [[String: Any]])
        let scopeSpans = try #require(resourceSpans.first?["scopeSpans"] as? [[String: Any]])
        let spans = try #require(scopeSpans.first?["spans"] as? [[String: Any]])
        #expect(spans.count == 2)
        #expect(spans[1]["traceId"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(spans[1]["parentSpanId"] as? String == "00f067aa0ba902b7")
        #expect(spans[1]["kind"] as? Int == 3)
        #expect(spans[1]["startTimeUnixNano"] as? String == "1700000000001000000")
        #expect(text.contains(#"{"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}}"#))
        #expect(text.contains(#""status":{"message":"backend_timeout","code":2}"#))
    }
}
