#if canImport(Glibc)
    import Glibc
#endif

/// `SiteGen --watch`: polls the backends' model lists and regenerates the site only when they change.
public struct SiteWatcher: Sendable {
    public let generator: SiteGenerator
    public let source: any ModelListSource
    public let log: @Sendable (String) -> Void

    /// A watcher; `log` receives one line per event (a change, a backend not answering, a regeneration).
    public init(generator: SiteGenerator, source: any ModelListSource, log: @escaping @Sendable (String) -> Void) {
        self.generator = generator
        self.source = source
        self.log = log
    }

    /// Polls the backends that are due and regenerates if their lists changed. Returns the time of the next poll.
    public func step(_ watch: inout ModelWatch, now: Double) -> Double {
        let before = watch.known
        var changed = false
        for name in watch.dueBackends(now: now) {
            let result = source.models(of: name)
            if watch.record(name, result, now: now) { changed = true }
            if case .unreachable(let reason) = result {
                let wait = watch.delay(afterFailures: watch.failureCount(of: name))
                log("backend \(name) did not answer (\(reason)); next try in \(formatSeconds(wait))")
            }
        }
        if changed {
            for line in watch.known.changes(from: before) { log(line) }
            do {
                let lines = try generator.generate(snapshot: watch.known)
                log(lines.isEmpty ? "regenerated: no file changed" : "regenerated:")
                for line in lines { log("  " + line) }
            } catch {
                log("regeneration failed, the previous site stays published: \(error)")
            }
        }
        return watch.nextDue
    }

    /// Runs forever (until the process is signalled), starting from the snapshot of the first generation.
    public func run(initial: ModelSnapshot, interval: Double, maxBackoff: Double) -> Never {
        var watch = ModelWatch(initial: initial, interval: interval, maxBackoff: maxBackoff, now: monotonicSeconds())
        while true {
            let next = step(&watch, now: monotonicSeconds())
            let wait = max(0.01, next - monotonicSeconds())
            var request = timespec(tv_sec: Int(wait), tv_nsec: Int((wait - Double(Int(wait))) * 1e9))
            var remaining = timespec()
            while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
        }
    }
}

/// Seconds on the monotonic clock (not affected by wall-clock changes).
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// `2 s`, `0.5 s`, `2 min`.
func formatSeconds(_ seconds: Double) -> String {
    if seconds >= 120 { return "\(Int(seconds / 60)) min" }
    if seconds == seconds.rounded() { return "\(Int(seconds)) s" }
    return "\((seconds * 10).rounded() / 10) s"
}
