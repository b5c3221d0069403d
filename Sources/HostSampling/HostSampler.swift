import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// Samples the host every few seconds from `/proc`: CPU and memory of the machine, and CPU/RSS of the model
/// runner (ollama, llama-server), of Kagami's own processes and of the busiest others.
///
/// Cheap by design (a few small `/proc` reads per process, no Foundation): the goal is ≤ 0.5% of one core
/// at a 5 s interval. One sampler per host; the stored samples join traces by time.
public final class HostSampler {
    /// Processes with these names (prefix match, as `/proc/PID/stat` truncates names to 15 bytes) are the
    /// model runner.
    public let runnerNames: [String]
    /// Kagami's own processes.
    public static let kagamiNames = ["ChatHandler", "RUMBeacon", "SiteGen", "KagamiSampler", "kagami-obs", "nginx"]
    /// How many of the busiest other processes are kept per sample.
    public let topOthers: Int

    private var reader = ProcReader()
    private var lastCPU: CPUTimes?
    private var lastProcessTicks: [Int: UInt64] = [:]
    private var lastTimeNs: UInt64 = 0
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
    private let cores = Double(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    public init(runnerNames: [String], topOthers: Int = 5) {
        self.runnerNames = runnerNames
        self.topOthers = topOthers
    }

    /// One sample of the host and its processes. The first call only primes the counters (CPU percentages
    /// need two readings) and returns `nil`.
    public func sample() -> (host: HostSample, processes: [ProcessSample])? {
        let now = wallClockNanoseconds()
        guard let stat = reader.read("/proc/stat").flatMap(CPUTimes.init(procStat:)),
            let memory = reader.read("/proc/meminfo").flatMap(memoryInfo)
        else { return nil }
        let load1 = reader.read("/proc/loadavg").flatMap { fields($0).first.flatMap { Double($0) } } ?? 0
        let processes = readProcesses(now: now)
        defer {
            lastCPU = stat
            lastTimeNs = now
        }
        guard let previous = lastCPU, stat.total > previous.total else { return nil }
        let cpu = Double(stat.busy - previous.busy) / Double(stat.total - previous.total) * 100
        let host = HostSample(
            timeNs: now, cpuPercent: min(100, max(0, cpu)), memoryUsedBytes: memory.total - memory.available,
            memoryTotalBytes: memory.total, load1: load1)
        return (host, processes)
    }

    private func readProcesses(now: UInt64) -> [ProcessSample] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        let elapsedSeconds = lastTimeNs == 0 ? 0 : Double(now - lastTimeNs) / 1e9
        var ticks: [Int: UInt64] = [:]
        var named: [ProcessSample] = []
        var others: [ProcessSample] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            guard let pid = Int(name), let stat = reader.read("/proc/\(pid)/stat").flatMap(processTimes) else {
                continue
            }
            ticks[pid] = stat.ticks
            let previous = lastProcessTicks[pid]
            let cpu =
                (elapsedSeconds > 0 && previous != nil && stat.ticks >= previous!)
                ? Double(stat.ticks - previous!) / ticksPerSecond / elapsedSeconds * 100 : 0
            let role = role(of: stat.name)
            let sample = ProcessSample(
                timeNs: now, pid: pid, name: stat.name, role: role, cpuPercent: min(cpu, 100 * cores),
                rssBytes: stat.rssPages * pageSize)
            if role == "other" { others.append(sample) } else { named.append(sample) }
        }
        lastProcessTicks = ticks
        others.sort { $0.cpuPercent > $1.cpuPercent }
        return named + others.prefix(topOthers).filter { $0.cpuPercent > 0 }
    }

    func role(of name: String) -> String {
        if runnerNames.contains(where: { name.hasPrefix(String($0.prefix(15))) }) { return "runner" }
        if Self.kagamiNames.contains(where: { name == String($0.prefix(15)) }) { return "kagami" }
        return "other"
    }
}
