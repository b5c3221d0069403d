import Foundation
import Testing

@testable import SiteKit

/// Compares generated text with `Golden/<name>`. Set `KAGAMI_RECORD_GOLDEN=1` to rewrite the goldens in the
/// source tree on purpose (then review the diff); otherwise a difference fails with the first differing line.
private func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    if ProcessInfo.processInfo.environment["KAGAMI_RECORD_GOLDEN"] == "1" {
        let directory = String(#filePath[..<#filePath.lastIndex(of: "/")!]) + "/Golden"
        try actual.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        return
    }
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Golden"),
        "no golden \(name): record it with KAGAMI_RECORD_GOLDEN=1", sourceLocation: sourceLocation)
    let expected = try String(contentsOf: url, encoding: .utf8)
    guard expected != actual else { return }
    let left = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let right = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let line = Array(zip(left, right)).firstIndex { $0.0 != $0.1 } ?? min(left.count, right.count)
    Issue.record(
        "\(name) differs from its golden at line \(line + 1):\n  golden: \(line < left.count ? left[line] : "<end>")\n  actual: \(line < right.count ? right[line] : "<end>")",
        sourceLocation: sourceLocation)
}

@Test func chatPageMatchesGolden() throws {
    let build = try SiteBuilder(configuration: goldenConfiguration(), sources: try repositorySources())
        .build(snapshot: goldenSnapshot())
    // Asset names carry content hashes; the golden pins the page, not the current CSS/JS bytes.
    var page = try #require(build.pages["index.html"])
    for name in build.assets.keys {
        let parts = name.components(separatedBy: ".")
        page = page.replacingOccurrences(of: name, with: parts[0] + ".HASH." + parts[parts.count - 1])
    }
    try expectGolden(page, "index.html")
}

@Test func offlinePageMatchesGolden() throws {
    let configuration = goldenConfiguration()
    let build = try SiteBuilder(configuration: configuration, sources: try repositorySources())
        .build(snapshot: .offline(backendNames: configuration.backends.keys))
    var page = try #require(build.pages["index.html"])
    for name in build.assets.keys {
        let parts = name.components(separatedBy: ".")
        page = page.replacingOccurrences(of: name, with: parts[0] + ".HASH." + parts[parts.count - 1])
    }
    try expectGolden(page, "index-offline.html")
}

@Test func nginxSnippetsMatchGolden() throws {
    let renderer = NginxConfigRenderer(configuration: goldenConfiguration(), siteDirectory: "/var/lib/kagami/site")
    try expectGolden(renderer.locationsConf(), "kagami-locations.conf")
    try expectGolden(renderer.httpConf(), "kagami-http.conf")
}

@Test func nginxSnippetServesPageWithoutCacheAndAssetsImmutable() {
    let conf = NginxConfigRenderer(configuration: goldenConfiguration(), siteDirectory: "/srv/site").locationsConf()
    #expect(conf.contains("location = / {\n    root \"/srv/site/current/public\";"))
    #expect(conf.contains("add_header Cache-Control \"no-cache\" always;"))
    #expect(conf.contains("alias \"/srv/site/assets/\";"))
    #expect(conf.contains("Cache-Control \"public, max-age=31536000, immutable\""))
    for route in goldenConfiguration().routes { #expect(conf.contains("location = \(route.path) {")) }
    #expect(!NginxConfigRenderer(configuration: goldenConfiguration()).locationsConf().contains("location = / {"))
    #expect(NginxConfigRenderer.siteDirectoryProblem("relative/dir") != nil)
    #expect(NginxConfigRenderer.siteDirectoryProblem("/a\"b") != nil)
    #expect(NginxConfigRenderer.siteDirectoryProblem("/var/lib/kagami site") == nil)
}
