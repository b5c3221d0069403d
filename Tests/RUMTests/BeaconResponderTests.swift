import FastCGI
import Foundation
import Storage
import TestSupport
import Testing

@testable import RUM

@Suite("RUM beacon responder")
struct BeaconResponderTests {
    let sink = RecordingSink()
    var responder: BeaconResponder {
        BeaconResponder(
            schema: BeaconSchema(maxEvents: 50),
            enricher: BeaconEnricher(
                geo: nil, resolver: ClientAddressResolver(trustedProxies: []), addressStorage: .drop),
            sink: sink, clock: { Beacon.receivedNs })
    }

    func send(_ request: HTTPRequestBuilder) -> InMemoryResponseWriter {
        let writer = InMemoryResponseWriter()
        responder.respond(to: request.build(), writer: writer)
        return writer
    }

    @Test func answers204AndStoresEveryEvent() {
        let writer = send(.init(body: Beacon.body([Beacon.view, Beacon.vital("INP", "72"), Beacon.action])))
        #expect(writer.status == 204)
        #expect(writer.body.isEmpty)
        #expect(sink.events.count == 3)
    }

    @Test func reportsRejectedEventsAndKeepsTheRest() throws {
        let writer = send(
            .init(body: Beacon.body([Beacon.vital("LCP", "-1"), Beacon.view, Beacon.vital("CLS", "1e9")])))
        #expect(writer.status == 400)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(writer.body)) as? [String: Any])
        #expect(json["accepted"] as? Int == 1)
        let error = try #require(json["error"] as? [String: Any])
        #expect(error["code"] as? String == "invalid_events")
        let rejected = try #require(json["rejected"] as? [[String: Any]])
        #expect(rejected.map { $0["index"] as? Int } == [0, 2])
        #expect(rejected.first?["reason"] as? String == "value: LCP must be 0…600000 ms")
        #expect(sink.events.map(\.type) == ["view"])
    }

    @Test(arguments: [
        (HTTPRequestBuilder(method: "GET", body: ""), 405, "method_not_allowed"),
        (HTTPRequestBuilder(contentType: "application/x-www-form-urlencoded"), 415, "unsupported_media_type"),
        (HTTPRequestBuilder(contentType: nil), 415, "unsupported_media_type"),
        (HTTPRequestBuilder(bodyExceedsLimit: true), 413, "body_too_large"),
        (HTTPRequestBuilder(body: "{\"events\":"), 400, "invalid_json"),
    ])
    func refusesWrongRequests(request: HTTPRequestBuilder, status: Int, code: String) throws {
        let writer = send(request)
        #expect(writer.status == status)
        #expect(writer.header("Content-Type") == "application/json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(writer.body)) as? [String: Any])
        #expect((json["error"] as? [String: Any])?["code"] as? String == code)
        #expect(json["accepted"] as? Int == 0)
        if status == 405 { #expect(writer.header("Allow") == "POST") }
        #expect(sink.events.isEmpty)
    }

    @Test func aFullStoreIsAnswered503NotSilentlyDropped() throws {
        struct FullSink: RUMEventSink {
            func store(_ events: [RUMEvent]) -> Bool { false }
        }
        let busy = BeaconResponder(
            schema: BeaconSchema(),
            enricher: BeaconEnricher(
                geo: nil, resolver: ClientAddressResolver(trustedProxies: []), addressStorage: .drop),
            sink: FullSink())
        let writer = InMemoryResponseWriter()
        busy.respond(to: HTTPRequestBuilder().build(), writer: writer)
        #expect(writer.status == 503)
        #expect(writer.header("Retry-After") == "1")
        #expect(writer.text.contains("\"store_busy\""))
    }

    @Test func aDisabledHandlerDropsBeaconsQuietly() {
        let quiet = BeaconResponder(
            schema: BeaconSchema(),
            enricher: BeaconEnricher(
                geo: nil, resolver: ClientAddressResolver(trustedProxies: []), addressStorage: .drop),
            sink: sink, enabled: false)
        let writer = InMemoryResponseWriter()
        quiet.respond(to: HTTPRequestBuilder().build(), writer: writer)
        #expect(writer.status == 204)
        #expect(sink.events.isEmpty)
    }
}

/// A beacon request, as a value so it can be a test argument.
struct HTTPRequestBuilder: Sendable, CustomTestStringConvertible {
    var method = "POST"
    var body = Beacon.body([Beacon.view])
    var contentType: String? = "text/plain;charset=UTF-8"
    var bodyExceedsLimit = false

    func build() -> HTTPRequest {
        var request = makeRequest(
            method: method, path: "/rum", body: body, contentType: contentType, bodyExceedsLimit: bodyExceedsLimit)
        request.params["REMOTE_ADDR"] = "127.0.0.1"
        return request
    }

    var testDescription: String { "\(method) \(contentType ?? "no content type") exceeds=\(bodyExceedsLimit)" }
}
