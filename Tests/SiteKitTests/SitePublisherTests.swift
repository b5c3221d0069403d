import Foundation
import Testing

@testable import SiteKit

private func build(_ page: String, asset: String) -> SiteBuild {
    SiteBuild(
        pages: ["index.html": page], assets: [SiteBuilder.hashedName("app.js", Array(asset.utf8)): Array(asset.utf8)])
}

private func link(_ path: String) -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: path) }

@Test func publishSwapsTheCurrentLinkAndReportsChanges() throws {
    let directory = try temporaryDirectory()
    let publisher = SitePublisher(directory: directory)
    let first = try publisher.publish(build("one", asset: "a"))
    #expect(first.changes.contains("public/index.html added"))
    #expect(link(directory + "/current") == "releases/" + first.releaseID)
    #expect(try String(contentsOfFile: directory + "/current/public/index.html", encoding: .utf8) == "one")

    #expect(try publisher.publish(build("one", asset: "a")).changes.isEmpty)  // same content: nothing to do

    let second = try publisher.publish(build("two", asset: "b"))
    let oldAsset = SiteBuilder.hashedName("app.js", Array("a".utf8))
    let newAsset = SiteBuilder.hashedName("app.js", Array("b".utf8))
    #expect(second.changes == ["public/index.html changed", "assets/\(newAsset) added", "assets/\(oldAsset) removed"])
    #expect(try String(contentsOfFile: directory + "/current/public/index.html", encoding: .utf8) == "two")
    // The previous release and its asset stay, so a page loaded a moment ago still finds its script.
    #expect(FileManager.default.fileExists(atPath: directory + "/assets/" + oldAsset))
    #expect(FileManager.default.fileExists(atPath: directory + "/releases/" + first.releaseID))

    _ = try publisher.publish(build("three", asset: "c"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/releases/" + first.releaseID))
    #expect(!FileManager.default.fileExists(atPath: directory + "/assets/" + oldAsset))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
    #expect(leftovers.isEmpty)
    try? FileManager.default.removeItem(atPath: directory)
}

@Test func publishRefusesToReplaceARealDirectory() throws {
    let directory = try temporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory + "/current/x", withIntermediateDirectories: true)
    #expect(throws: SiteWriteError.self) { try SitePublisher(directory: directory).publish(build("p", asset: "a")) }
    try? FileManager.default.removeItem(atPath: directory)
}
