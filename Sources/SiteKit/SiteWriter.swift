#if canImport(Glibc)
    import Glibc
#endif

/// Why a file could not be written.
public struct SiteWriteError: Error, CustomStringConvertible {
    public let description: String
}

/// Writes generated files under a root directory so that readers (nginx) never see a half-written file:
/// each file goes to a temporary name and is renamed into place. Unchanged files are left alone.
public struct SiteWriter: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// Writes `files` (relative path → content); returns the relative paths whose content changed.
    public func publish(_ files: [String: String]) throws(SiteWriteError) -> [String] {
        var changed: [String] = []
        for (relative, content) in files.sorted(by: { $0.key < $1.key }) {
            let path = root + "/" + relative
            if readFile(path) == content { continue }
            try makeDirectories(String(path[..<path.lastIndex(of: "/")!]))
            let temporary = path + ".tmp-\(getpid())"
            guard let file = fopen(temporary, "w") else {
                throw SiteWriteError(description: "cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            let bytes = Array(content.utf8)
            let written = fwrite(bytes, 1, bytes.count, file)
            let closed = fclose(file)
            guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw SiteWriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            changed.append(relative)
        }
        return changed
    }

    private func makeDirectories(_ path: String) throws(SiteWriteError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw SiteWriteError(description: "cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// The file's content, or `nil` when it cannot be read.
func readFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
