import Foundation
import KagamiConfig
import Testing

@testable import SiteKit

/// `nginx/conf.d/` and `nginx/snippets/` show users what SiteGen writes for the shipped configuration
/// (`config/kagami.json`, site under `/var/lib/kagami/site`). They must never drift from the generator:
/// `KAGAMI_RECORD_GOLDEN=1 swift test --filter ShippedExamples` rewrites them on purpose.
@Test func shippedNginxExamplesMatchTheGenerator() throws {
    let configuration = try KagamiConfiguration.load(path: "config/kagami.json", environment: [:])
    let renderer = NginxConfigRenderer(configuration: configuration, siteDirectory: "/var/lib/kagami/site")
    for (path, content) in [
        ("nginx/conf.d/kagami-http.conf", renderer.httpConf()),
        ("nginx/snippets/kagami-locations.conf", renderer.locationsConf()),
    ] {
        if ProcessInfo.processInfo.environment["KAGAMI_RECORD_GOLDEN"] == "1" {
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            continue
        }
        let shipped = try String(contentsOfFile: path, encoding: .utf8)
        #expect(shipped == content, "\(path) is stale: re-record with KAGAMI_RECORD_GOLDEN=1")
    }
}
