import Testing

@testable import SiteKit

@Test func hashedAssetNamesChangeWithContent() {
    let a = SiteBuilder.hashedName("chat.js", Array("one".utf8))
    let b = SiteBuilder.hashedName("chat.js", Array("two".utf8))
    #expect(a.hasPrefix("chat.") && a.hasSuffix(".js") && a.count == "chat..js".count + 12)
    #expect(a != b)
    #expect(a == SiteBuilder.hashedName("chat.js", Array("one".utf8)))
    #expect(SiteBuilder.assetKey("chat.min.js") == "chat_min_js")
}
