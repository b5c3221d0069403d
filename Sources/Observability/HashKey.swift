#if canImport(Glibc)
    import Glibc
#endif

/// The secret key of the `hash` masking policy: from an environment variable, else a random key kept in a
/// file next to the database (created once, mode 0600), so identical prompts hash alike across restarts
/// but cannot be confirmed by someone who only has the database.
public enum HashKey {
    /// The key bytes; `nil` only when neither source works (then `hash` masking degrades to a per-process key).
    public static func load(environmentValue: String?, keyFile: String) -> [UInt8] {
        if let value = environmentValue, !value.isEmpty { return Array(value.utf8) }
        if let existing = readKey(keyFile) { return existing }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let fd = open(keyFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            _ = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        } else if let raced = readKey(keyFile) {
            return raced  // another process created it first
        }
        return key
    }

    private static func readKey(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var key = [UInt8](repeating: 0, count: 32)
        let count = key.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count == 32 ? key : nil
    }
}
