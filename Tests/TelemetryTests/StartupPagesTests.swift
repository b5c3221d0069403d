import Telemetry
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Resident file-backed memory of this process (`RssFile` in /proc/self/status), in bytes.
private func residentFileBytes() -> Int {
    let status = String(decoding: readAll("/proc/self/status"), as: UTF8.self)
    let line = status.split(separator: "\n").first { $0.hasPrefix("RssFile:") } ?? "RssFile: -1 kB"
    return (Int(line.split(separator: " ")[1]) ?? -1) * 1024
}

private func readAll(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = read(fd, &chunk, chunk.count)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

@Test func releasingStartupPagesUnmapsCleanCodeAndTheProcessKeepsWorking() {
    let before = residentFileBytes()
    let released = StartupPages.release()
    let after = residentFileBytes()
    // The test runner has touched megabytes of its own code and of libc, Foundation and SQLite by now.
    #expect(released > 1 << 20)
    #expect(after < before - released / 2, "RssFile \(before) → \(after) after releasing \(released) bytes")
    // Code and constants come back on use; relocated data (never released) still holds its pointers.
    let tree = try? JSONTree.parse(Array(#"{"type":"view","t":1,"attrs":{"lang":"en"}}"#.utf8))
    #expect(tree?["attrs"]?["lang"]?.string == "en")
    #expect(StartupPages.describe(12_478_000) == "released 11.9 MB of code pages only startup used")
}
