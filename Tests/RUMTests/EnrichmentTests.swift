import FastCGI
import Foundation
import KagamiConfig
import Storage
import TestSupport
import Testing

@testable import RUM

@Suite("RUM enrichment: client address, geo, device")
struct EnrichmentTests {
    @Test func forwardedForIsTrustedOnlyFromConfiguredProxies() {
        let resolver = ClientAddressResolver(trustedProxies: ["10.0.0.0/8", "::1/128"].compactMap(AddressRange.init))
        // An untrusted peer cannot spoof its address.
        #expect(
            resolver.clientAddress(remoteAddress: "198.51.100.7", forwardedFor: "203.0.113.9")?.description
                == "198.51.100.7")
        // A trusted proxy: the rightmost address that is not one of ours.
        #expect(
            resolver.clientAddress(remoteAddress: "10.1.2.3", forwardedFor: "1.2.3.4, 203.0.113.9, 10.9.9.9")?
                .description == "203.0.113.9")
        #expect(
            resolver.clientAddress(remoteAddress: "::1", forwardedFor: "2001:db8:1::5")?.description
                == "2001:db8:1::5")
        // Garbage in the chain stops the walk at the last trustworthy hop.
        #expect(
            resolver.clientAddress(remoteAddress: "10.1.2.3", forwardedFor: "evil, not-an-ip")?.description
                == "10.1.2.3")
        #expect(resolver.clientAddress(remoteAddress: nil, forwardedFor: "1.2.3.4") == nil)
    }

    @Test func addressesParseTruncateAndClassify() throws {
        #expect(IPAddress("::ffff:203.0.113.9")?.description == "203.0.113.9")
        #expect(IPAddress("203.0.113.9")?.truncatedNetwork == "203.0.113.0/24")
        #expect(IPAddress("2001:db8:1:2:3::9")?.truncatedNetwork == "2001:db8:1::/48")
        for address in ["10.0.0.1", "192.168.1.1", "172.20.0.1", "127.0.0.1", "::1", "fd00::1", "fe80::1"] {
            #expect(IPAddress(address)?.isPrivate == true, "\(address)")
        }
        #expect(IPAddress("8.8.8.8")?.isPrivate == false)
        #expect(IPAddress("1.2.3") == nil)
        #expect(IPAddress("") == nil)
        #expect(AddressRange("10.0.0.0/33") == nil)
        #expect(try #require(AddressRange("2001:db8::/32")).contains(try #require(IPAddress("2001:db8:ffff::1"))))
    }

    @Test func parsesCommonUserAgents() {
        let cases: [(String, ClientDevice)] = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
                ClientDevice(browser: "Chrome 156", os: "Linux", device: "desktop")
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
                ClientDevice(browser: "Edge 120", os: "Windows 10", device: "desktop")
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                ClientDevice(browser: "Safari 17", os: "iOS 17.5", device: "mobile")
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0",
                ClientDevice(browser: "Firefox 128", os: "macOS 10.15", device: "desktop")
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36",
                ClientDevice(browser: "Chrome 125", os: "Android 14", device: "mobile")
            ),
            ("curl/8.5.0", ClientDevice(browser: "curl", os: nil, device: "bot")),
        ]
        for (ua, expected) in cases { #expect(UserAgentParser.parse(ua) == expected, "\(ua)") }
        let hinted = UserAgentParser.device(
            userAgent: cases[0].0, clientHints: #""Chromium";v="156", "Google Chrome";v="156", "Not=A?Brand";v="24""#,
            platformHint: #""Linux""#, mobileHint: "?0")
        #expect(hinted == ClientDevice(browser: "Chrome 156", os: "Linux", device: "desktop"))
    }

    @Test(.enabled(if: TestGeoDatabase.writerAvailable, "needs libmaxmind-db-writer-perl"))
    func looksUpGeoInAnMMDBFile() throws {
        let path = try TestGeoDatabase.make()
        defer { unlink(path) }
        let geo = try GeoDatabase(path: path)
        #expect(geo.databaseType == "Kagami-Test-City")
        #expect(
            geo.lookup(try #require(IPAddress("203.0.113.77")))
                == GeoLocation(country: "JP", region: "Tokyo", city: "Shibuya"))
        #expect(geo.lookup(try #require(IPAddress("2001:db8:1::9"))).city == "Paris")
        #expect(geo.lookup(try #require(IPAddress("8.8.8.8"))) == .unknown)
    }

    /// The DB-IP City Lite file `make run` caches (scripts/prepare-geo.sh), when this machine has it.
    static let dbipPath = (ProcessInfo.processInfo.environment["HOME"] ?? "") + "/.cache/kagami/geo/dbip-city-lite.mmdb"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: dbipPath), "needs the cached DB-IP file"))
    func readsTheDBIPCityLiteFile() throws {
        let geo = try GeoDatabase(path: Self.dbipPath)
        let google = geo.lookup(try #require(IPAddress("8.8.8.8")))
        #expect(google.country == "US")
        #expect(google.city != nil)
        #expect(geo.lookup(try #require(IPAddress("2001:4860:4860::8888"))).country != nil)  // IPv6 is covered too
    }

    @Test func aMissingOrCorruptDatabaseIsAClearError() throws {
        #expect(throws: GeoDatabaseError.self) { try GeoDatabase(path: "/nonexistent/geo.mmdb") }
        let corrupt = NSTemporaryDirectory() + "kagami-corrupt-\(UUID().uuidString).mmdb"
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: corrupt))
        defer { unlink(corrupt) }
        do {
            _ = try GeoDatabase(path: corrupt)
            Issue.record("opened a corrupt database")
        } catch {
            #expect(error.description.contains(corrupt))
        }
    }

    @Test(.enabled(if: TestGeoDatabase.writerAvailable, "needs libmaxmind-db-writer-perl"))
    func responderEnrichesAndDropsTheAddress() throws {
        let path = try TestGeoDatabase.make()
        defer { unlink(path) }
        let sink = RecordingSink()
        let responder = BeaconResponder(
            schema: BeaconSchema(),
            enricher: BeaconEnricher(
                geo: try GeoDatabase(path: path),
                resolver: ClientAddressResolver(trustedProxies: [AddressRange("127.0.0.1")!]), addressStorage: .drop),
            sink: sink, clock: { Beacon.receivedNs })
        let writer = InMemoryResponseWriter()
        var request = makeRequest(
            path: "/rum", body: Beacon.body([Beacon.view, Beacon.action]), contentType: "text/plain;charset=UTF-8",
            headers: [
                "X-Forwarded-For": "203.0.113.77",
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0.0.0 Safari/537.36",
            ])
        request.params["REMOTE_ADDR"] = "127.0.0.1"
        responder.respond(to: request, writer: writer)
        #expect(writer.status == 204)
        #expect(sink.events.count == 2)
        for event in sink.events {
            #expect(event.country == "JP" && event.region == "Tokyo" && event.city == "Shibuya")
            #expect(event.browser == "Chrome 156" && event.os == "Linux" && event.device == "desktop")
            #expect(!event.attributesJSON.contains("203.0.113"))
        }
    }

    @Test func privateIPv6AndUnknownClientsAreAcceptedWithoutGeo() throws {
        let sink = RecordingSink()
        let responder = BeaconResponder(
            schema: BeaconSchema(),
            enricher: BeaconEnricher(
                geo: nil, resolver: ClientAddressResolver(trustedProxies: []), addressStorage: .truncate),
            sink: sink)
        for address in ["192.168.1.20", "2001:db8:1:2::7"] {
            var request = makeRequest(path: "/rum", body: Beacon.body([Beacon.view]), contentType: "text/plain")
            request.params["REMOTE_ADDR"] = address
            let writer = InMemoryResponseWriter()
            responder.respond(to: request, writer: writer)
            #expect(writer.status == 204)
        }
        #expect(sink.events.map(\.country) == [nil, nil])
        #expect(sink.events[0].attributesJSON.hasPrefix("{\"client_net\":\"192.168.1.0/24\","))
        #expect(sink.events[1].attributesJSON.hasPrefix("{\"client_net\":\"2001:db8:1::/48\","))
    }
}
