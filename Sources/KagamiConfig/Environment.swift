#if canImport(Glibc)
    import Glibc
#endif

/// The process environment as a dictionary (without Foundation's ProcessInfo, to keep handlers small).
public func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var cursor = environ
    while let entry = cursor.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        cursor += 1
    }
    return result
}

/// Prints `program: message` on standard error and exits with status 2 (bad usage or configuration).
public func exitWithUsageError(_ program: String, _ message: String) -> Never {
    let line = "\(program): \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

extension KagamiConfiguration {
    /// What every executable does first: the file from `--config` (`commandLinePath`), else `$KAGAMI_CONFIG`,
    /// else the built-in defaults; environment overrides applied; any problem printed with the key it is about,
    /// and the program exits 2. Returns the configuration and the path it came from.
    public static func loadOrExit(
        commandLinePath: String?, environment: [String: String], program: String
    ) -> (KagamiConfiguration, path: String?) {
        let path = commandLinePath ?? environment["KAGAMI_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            return (try load(path: path, environment: environment), path)
        } catch {
            exitWithUsageError(program, "invalid configuration:\n\(error)")
        }
    }
}
