import Testing

@testable import HostSampling

@Test func cpuTimesFromProcStat() throws {
    let stat = Array("cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\n".utf8)[...]
    let times = try #require(CPUTimes(procStat: stat))
    #expect(times.total == 980)
    #expect(times.busy == 980 - 820)  // idle + iowait are not busy
    #expect(CPUTimes(procStat: Array("intr 1 2 3\n".utf8)[...]) == nil)
}

@Test func memoryFromMeminfo() throws {
    let info = Array("MemTotal:        4000000 kB\nMemFree:  100 kB\nMemAvailable:    1000000 kB\n".utf8)[...]
    let memory = try #require(memoryInfo(info))
    #expect(memory.total == 4_000_000 * 1024 && memory.available == 1_000_000 * 1024)
    #expect(memoryInfo(Array("MemTotal: 1 kB\n".utf8)[...]) == nil)
}

@Test func processStatWithSpacesAndParenthesesInTheName() throws {
    // Field 2 may contain spaces and ')' — count from the last ')'.
    let line =
        "4242 (llama (x) srv) S 1 4242 4242 0 -1 4194560 5000 0 0 0 700 300 0 0 20 0 8 0 1234 900000000 93000 18446744073709551615"
    let parsed = try #require(processTimes(Array(line.utf8)[...]))
    #expect(parsed.name == "llama (x) srv")
    #expect(parsed.ticks == 1000)
    #expect(parsed.rssPages == 93000)
}

@Test func rolesByProcessName() {
    let sampler = HostSampler(runnerNames: ["ollama", "llama-server"])
    #expect(sampler.role(of: "llama-server") == "runner")
    #expect(sampler.role(of: "ollama") == "runner")
    #expect(sampler.role(of: "ChatHandler") == "kagami")
    #expect(sampler.role(of: "nginx") == "kagami")
    #expect(sampler.role(of: "postgres") == "other")
}

@Test func aRealSampleOfThisMachine() throws {
    let sampler = HostSampler(runnerNames: ["llama-server"])
    #expect(sampler.sample() == nil)  // the first call only primes the counters
    var burn = 0.0
    for index in 0..<2_000_000 { burn += Double(index).squareRoot() }
    let (host, processes) = try #require(sampler.sample())
    #expect(burn > 0)
    #expect((0...100).contains(host.cpuPercent))
    #expect(host.memoryTotalBytes > 0 && host.memoryUsedBytes > 0)
    #expect(!processes.isEmpty)
}
