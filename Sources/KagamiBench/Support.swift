import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// Machine and build facts printed before every figure.
func printConditions() {
    var name = utsname()
    uname(&name)
    let machine = withUnsafePointer(to: &name.machine) {
        String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
    }
    let release = withUnsafePointer(to: &name.release) {
        String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
    }
    #if DEBUG
        let build = "debug build (figures are only meaningful in release: swift run -c release KagamiBench …)"
    #else
        let build = "release build"
    #endif
    print("conditions: \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores, \(machine), Linux \(release), \(build)")
}

/// Median and 99th percentile of samples, in the samples' unit.
func percentiles(_ samples: [Double]) -> (median: Double, p99: Double) {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return (0, 0) }
    return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))])
}

/// A fresh directory under /tmp.
func temporaryDirectory() -> String {
    var template = Array("/tmp/kagami-bench-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
}

/// Removes a directory tree made by ``temporaryDirectory()``.
func removeTree(_ path: String) {
    _ = system("rm -rf '\(path)'")
}

/// CPU time this process has used, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}
