import Foundation
import KagamiConfig

@testable import SiteKit

/// The repository's `templates/` directory: tests render the real page, not a copy.
let templatesDirectory: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path + "/templates"
}()

/// A configuration exercising every picker state, with hostile text from the config and from the backend.
func goldenConfiguration() -> KagamiConfiguration {
    KagamiConfiguration(
        site: SiteSettings(title: "Kagami <test>", language: "auto"),
        backends: [
            "default": BackendSettings(url: "http://127.0.0.1:11434"),
            "remote": BackendSettings(type: .openai, url: "http://127.0.0.1:9"),
        ],
        routes: [
            RouteSettings(path: "/chat", model: "tinyllama:latest", label: "TinyLlama"),
            RouteSettings(path: "/granite", model: "granite3.2:2b", label: "Granite 3.2 2B"),
            RouteSettings(path: "/strict", model: "missing:1b", label: "Strict", onMissingModel: .fail),
            RouteSettings(
                path: "/remote", model: "gemma3:270m", backend: "remote", label: "<img src=x onerror=alert(1)>"),
        ],
        nginx: NginxSettings(chatSocket: "/run/kagami/chat.sock", rumSocket: "/run/kagami/rum.sock"))
}

/// A hostile backend: its first model name is markup, so the substitution note carries it too.
func goldenSnapshot() -> ModelSnapshot {
    ModelSnapshot(backends: [
        "default": .served(["<script>alert('x')</script>", "tinyllama"]),
        "remote": .unreachable("connection refused"),
    ])
}

func repositorySources() throws -> SiteSources { try SiteSources.load(directory: templatesDirectory) }

/// Minimal in-memory sources for focused tests.
func smallSources(page: String, rum: String? = nil) throws -> SiteSources {
    var set = TemplateSet()
    try set.add(name: "index.html", source: page)
    let strings = PageStrings(text: [
        "en": [
            "note_substituted": "served by {model}", "note_missing": "{model} missing", "note_unchecked": "unchecked",
            "note_unreachable": "unreachable", "note_no_models": "no models",
        ],
        "ja": [
            "note_substituted": "{model} が応答", "note_missing": "{model} なし", "note_unchecked": "未確認",
            "note_unreachable": "応答なし", "note_no_models": "モデルなし",
        ],
    ])
    return SiteSources(
        templates: set, assets: ["app.js": Array("console.log(1)".utf8)], strings: strings,
        rumScript: try rum.flatMap { try InlineScript.prepare($0, file: "rum.js") })
}

/// A fresh empty directory under /tmp.
func temporaryDirectory() throws -> String {
    let path = "/tmp/kagami-sitekit-\(UInt64.random(in: 0...UInt64.max))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
