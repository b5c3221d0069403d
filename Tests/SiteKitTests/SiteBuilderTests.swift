import Foundation
import KagamiConfig
import Privacy
import Testing

@testable import SiteKit

@Test func routeAvailabilityFollowsTheHandlersResolution() {
    let route = RouteSettings(path: "/chat", model: "tinyllama:latest")
    let strict = RouteSettings(path: "/s", model: "x:1b", onMissingModel: .fail)
    #expect(RouteAvailability(route: route, models: .served(["tinyllama"])) == .ready)  // :latest is implied
    #expect(
        RouteAvailability(route: route, models: .served(["gemma3:270m", "b"])) == .substituted(servedBy: "gemma3:270m"))
    #expect(RouteAvailability(route: route, models: .served([])) == .noModels)
    #expect(RouteAvailability(route: strict, models: .served(["gemma3:270m"])) == .missing)
    #expect(RouteAvailability(route: route, models: .notAsked) == .unchecked)
    #expect(RouteAvailability(route: route, models: .unreachable("down")) == .unreachable)
    #expect(RouteAvailability.substituted(servedBy: "a").isUsable && RouteAvailability.unreachable.isUsable)
    #expect(!RouteAvailability.noModels.isUsable && !RouteAvailability.missing.isUsable)
}

@Test func pickerShowsSubstitutionsAndDisablesWithReason() throws {
    let builder = SiteBuilder(configuration: goldenConfiguration(), sources: try repositorySources())
    let page = try #require(try builder.build(snapshot: goldenSnapshot()).pages["index.html"])
    #expect(page.contains("<option value=\"/chat\">TinyLlama</option>"))
    #expect(
        page.contains("<option value=\"/strict\" disabled>Strict — unavailable: missing:1b is not installed</option>"))
    #expect(page.contains("<option value=\"/granite\">Granite 3.2 2B — served by &lt;script&gt;"))
    #expect(page.contains("model server did not answer when this page was built"))
}

@Test func hostileModelNamesAreEscapedEverywhere() throws {
    let builder = SiteBuilder(configuration: goldenConfiguration(), sources: try repositorySources())
    let page = try #require(try builder.build(snapshot: goldenSnapshot()).pages["index.html"])
    #expect(!page.contains("<script>alert"))
    #expect(!page.contains("<img src=x"))
    #expect(page.contains("<code>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</code>"))
    #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
    #expect(page.contains(#""served_by":"\u003cscript\u003ealert(\u0027x\u0027)\u003c/script\u003e""#))
    // The only script elements are the page's own: the inlined RUM script, chat.js and the page data.
    #expect(page.components(separatedBy: "<script").count - 1 == 3)
}

@Test func everyRouteIsDisabledWhenTheBackendServesNothing() throws {
    let builder = SiteBuilder(configuration: goldenConfiguration(), sources: try repositorySources())
    let page = try #require(
        try builder.build(snapshot: ModelSnapshot(backends: ["default": .served([]), "remote": .served(["x"])]))
            .pages["index.html"])
    #expect(page.contains("<option value=\"/chat\" disabled>TinyLlama — unavailable: the model server has no models"))
    #expect(page.contains("<option value=\"/remote\">&lt;img src=x onerror=alert(1)&gt; — served by x</option>"))
}

@Test func pageReferencesHashedAssetsThatExist() throws {
    let build = try SiteBuilder(configuration: goldenConfiguration(), sources: try repositorySources())
        .build(snapshot: goldenSnapshot())
    let page = try #require(build.pages["index.html"])
    #expect(build.assets.count == 4)  // chat.{css,js}, and dash.{css,js} for the dashboard pages
    let dashboard = try #require(build.pages["dashboard/index.html"])
    for name in build.assets.keys { #expect((name.hasPrefix("dash.") ? dashboard : page).contains("/assets/\(name)")) }
    #expect(!page.contains("http://") && !page.contains("https://"))  // nothing from another host
}

@Test func configuredLanguageAndTitleReachThePage() throws {
    var configuration = goldenConfiguration()
    configuration.site.language = "ja"
    let page = try #require(
        try SiteBuilder(configuration: configuration, sources: try repositorySources())
            .build(snapshot: goldenSnapshot()).pages["index.html"])
    #expect(page.contains("<html lang=\"ja\">"))
    #expect(page.contains("<title>Kagami &lt;test&gt;</title>"))
    #expect(page.contains("\"lang_setting\":\"ja\""))
    #expect(page.contains("TinyLlama") && page.contains(">送信<"))
}

@Test func rumScriptIsInlinedWithItsCSPHash() throws {
    let page = "{% if rum_script %}<script>{{ rum_script | raw }}</script>{% endif %}|{{ csp }}"
    let script = "window.rum = 1;"
    let with = try SiteBuilder(configuration: goldenConfiguration(), sources: try smallSources(page: page, rum: script))
        .build(snapshot: goldenSnapshot()).pages["index.html"]!
    #expect(with.hasPrefix("<script>window.rum = 1;</script>|"))
    let expectedHash = "'sha256-" + Data(SHA256.hash(Array(script.utf8))).base64EncodedString() + "'"
    #expect(with.contains("script-src &#39;self&#39; " + TemplateEscaping.html(expectedHash)))
    let without = try SiteBuilder(
        configuration: goldenConfiguration(), sources: try smallSources(page: page, rum: "// only a comment\n/* and */")
    )
    .build(snapshot: goldenSnapshot()).pages["index.html"]!
    #expect(without.hasPrefix("|default-src"))
}

@Test func inlineScriptRejectsTextThatWouldCloseTheElement() {
    #expect(throws: TemplateError.self) { try InlineScript.prepare("a\nvar s = '</SCRIPT>'", file: "rum.js") }
    #expect((try? InlineScript.prepare("// c\n  /* d */\n", file: "rum.js")) == .some(nil))
    #expect(InlineScript.hasCode("/* c */ x()"))
    #expect(InlineScript.hasCode("/* unterminated"))
}

@Test func stringsFileNeedsEveryKeyInEveryLanguage() {
    let source = "{\n  \"en\": {\"a\": \"A\", \"b\": \"B\"},\n  \"ja\": {\"a\": \"あ\"}\n}"
    #expect(throws: SiteProblems.self) { try PageStrings.parse(source, file: "strings.json") }
    do {
        _ = try PageStrings.parse(source, file: "strings.json")
    } catch {
        #expect(
            error.problems.first?.description == "strings.json:2: \"b\" has no ja text (every key needs every language)"
        )
    }
    let strings = try? PageStrings.parse("{\"en\": {\"n\": \"{model} here\"}, \"ja\": {\"n\": \"{model}\"}}", file: "s")
    #expect(strings?.text("n", in: "en", ["model": "m"]) == "m here")
}

@Test func loadingReportsEveryBrokenTemplateWithFileAndLine() throws {
    let directory = try temporaryDirectory()
    try "{\"en\": {}, \"ja\": {}}".write(toFile: directory + "/strings.json", atomically: true, encoding: .utf8)
    try "<p>\n{% if x %}\n".write(toFile: directory + "/index.html", atomically: true, encoding: .utf8)
    try "{{ a }".write(toFile: directory + "/_part.html", atomically: true, encoding: .utf8)
    do {
        _ = try SiteSources.load(directory: directory)
        Issue.record("expected problems")
    } catch {
        let text = error.description
        #expect(text.contains("index.html:2: {% if %} is never closed"))
        #expect(text.contains("_part.html:1: unclosed {{"))
    }
}

@Test func modelSnapshotChangesNameAddedAndRemovedModels() {
    let old = ModelSnapshot(backends: ["default": .served(["a", "b"]), "r": .notAsked])
    let new = ModelSnapshot(backends: ["default": .served(["b", "c"]), "r": .unreachable("refused")])
    #expect(new.changes(from: old) == ["backend default: added c; removed a", "backend r: not answering (refused)"])
    #expect(old.changes(from: old).isEmpty)
}
