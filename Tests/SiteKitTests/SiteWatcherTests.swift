import Foundation
import Synchronization
import Testing

@testable import SiteKit

/// A model source whose answers the test changes.
private final class ScriptedModels: ModelListSource, Sendable {
    let answers = Mutex<[String: BackendModels]>([:])
    let asked = Mutex<[String]>([])
    func models(of backend: String) -> BackendModels {
        asked.withLock { $0.append(backend) }
        return answers.withLock { $0[backend] ?? .unreachable("unscripted") }
    }
}

private final class LogLines: Sendable {
    let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Test func backoffDoublesFromTheIntervalAndIsCapped() {
    let watch = ModelWatch(initial: ModelSnapshot(backends: [:]), interval: 10, maxBackoff: 60, now: 0)
    #expect((0...5).map { watch.delay(afterFailures: $0) } == [10, 20, 40, 60, 60, 60])
}

@Test func watchKeepsTheLastListThroughAnOutageAndResetsBackoff() {
    var watch = ModelWatch(initial: ModelSnapshot(backends: ["b": .served(["m"])]), interval: 1, maxBackoff: 8, now: 0)
    #expect(watch.dueBackends(now: 0.5).isEmpty)
    #expect(watch.dueBackends(now: 1) == ["b"])
    var changed = watch.record("b", .unreachable("refused"), now: 1)
    #expect(!changed)  // outage: the page stays
    #expect(watch.known.backends["b"] == .served(["m"]))
    #expect(watch.nextDue == 3)
    changed = watch.record("b", .unreachable("refused"), now: 3)
    #expect(!changed)
    #expect(watch.nextDue == 7)
    changed = watch.record("b", .served(["m", "n"]), now: 7)
    #expect(changed)
    #expect(watch.nextDue == 8 && watch.failureCount(of: "b") == 0)
}

@Test func watcherRegeneratesOnlyWhenTheListChanges() throws {
    let directory = try temporaryDirectory()
    let generator = SiteGenerator(
        configuration: goldenConfiguration(), sources: try repositorySources(), outputDirectory: directory)
    let source = ScriptedModels()
    source.answers.withLock { $0 = ["default": .served(["tinyllama"]), "remote": .served(["gemma3:270m"])] }
    let initial = source.snapshot(of: ["default", "remote"])
    _ = try generator.generate(snapshot: initial)
    let firstRelease = SitePublisher(directory: directory).currentReleaseID()
    let log = LogLines()
    let watcher = SiteWatcher(generator: generator, source: source) { log.append($0) }
    var watch = ModelWatch(initial: initial, interval: 1, maxBackoff: 4, now: 0)

    _ = watcher.step(&watch, now: 1)  // same lists: nothing happens
    #expect(log.all.isEmpty)
    #expect(SitePublisher(directory: directory).currentReleaseID() == firstRelease)

    source.answers.withLock { $0["default"] = .served(["tinyllama", "granite3.2:2b"]) }
    _ = watcher.step(&watch, now: 2)
    #expect(log.all.contains("backend default: added granite3.2:2b"))
    #expect(log.all.contains { $0.contains("public/index.html changed") })
    let page = try String(contentsOfFile: directory + "/current/public/index.html", encoding: .utf8)
    #expect(page.contains("<option value=\"/granite\">Granite 3.2 2B</option>"))

    source.answers.withLock { $0["remote"] = .unreachable("connection refused") }
    let next = watcher.step(&watch, now: 3)
    #expect(log.all.last == "backend remote did not answer (connection refused); next try in 2 s")
    #expect(next == 4)  // default is due again at 4; remote backs off to 5
    source.asked.withLock { $0 = [] }
    _ = watcher.step(&watch, now: 4)
    let asked = source.asked.withLock { $0 }
    #expect(asked == ["default"])
    try? FileManager.default.removeItem(atPath: directory)
}
