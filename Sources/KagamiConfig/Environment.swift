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
