import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// Publishes a ``SiteBuild`` under one directory so that nginx never serves a half-written site.
///
/// Layout under `directory`:
/// - `assets/<name>.<hash>.<ext>`: content-hashed, written once, never overwritten (old pages keep working);
/// - `releases/<id>/public/…`: one complete page set per build, written in `.staging-*` and renamed in;
/// - `current` → `releases/<id>`: a symbolic link swapped with one `rename()`, which is atomic.
/// nginx serves pages from `current/public` and assets from `assets/`. The current and the previous release
/// are kept (with their assets); older ones are removed.
public struct SitePublisher: Sendable {
    public let directory: String

    /// A publisher for the output directory (`--out`).
    public init(directory: String) { self.directory = directory }

    /// What one publish did.
    public struct Report: Sendable, Equatable {
        /// The release now served.
        public var releaseID: String
        /// One line per file added, changed or removed (`public/index.html changed`); empty when the build
        /// equals the one already served.
        public var changes: [String]
    }

    /// Where nginx's `root` points for pages.
    public var publicDirectory: String { directory + "/current/public" }
    /// Where nginx's `/assets/` alias points.
    public var assetsDirectory: String { directory + "/assets" }

    /// Writes the assets, then the release, then swaps `current`; returns what changed.
    public func publish(_ build: SiteBuild) throws(SiteWriteError) -> Report {
        let id = build.releaseID
        try makeDirectory(assetsDirectory)
        try makeDirectory(directory + "/releases")
        // Assets first: the new page must never reference a file that is not there yet.
        for (name, bytes) in build.assets.sorted(by: { $0.key < $1.key })
        where !FileManager.default.fileExists(atPath: assetsDirectory + "/" + name) {
            try writeAtomically(assetsDirectory + "/" + name, bytes)
        }
        let previous = currentReleaseID()
        if previous == id { return Report(releaseID: id, changes: []) }

        let release = directory + "/releases/" + id
        if !FileManager.default.fileExists(atPath: release) {
            let staging = directory + "/.staging-\(getpid())-" + id
            try? FileManager.default.removeItem(atPath: staging)
            for (path, content) in build.pages {
                try writeAtomically(staging + "/public/" + path, Array(content.utf8))
            }
            try writeAtomically(staging + "/assets.txt", Array(build.assets.keys.sorted().joined(separator: "\n").utf8))
            guard rename(staging, release) == 0 else { throw systemError("cannot move \(staging) to \(release)") }
        }
        let link = directory + "/current"
        let temporaryLink = directory + "/.current-\(getpid())"
        unlink(temporaryLink)
        guard symlink("releases/" + id, temporaryLink) == 0 else { throw systemError("cannot create \(temporaryLink)") }
        guard rename(temporaryLink, link) == 0 else {
            unlink(temporaryLink)
            throw systemError("cannot replace \(link) (it must be a symbolic link, not a directory)")
        }
        let changes = describeChanges(from: previous, to: build)
        prune(keeping: [id] + (previous.map { [$0] } ?? []))
        return Report(releaseID: id, changes: changes)
    }

    /// The release `current` points at, if any.
    public func currentReleaseID() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(directory + "/current", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.hasPrefix("releases/") ? String(target.dropFirst(9)) : nil
    }

    private func describeChanges(from previous: String?, to build: SiteBuild) -> [String] {
        var lines: [String] = []
        let oldRoot = previous.map { directory + "/releases/" + $0 }
        let oldPages = Set(oldRoot.map { pagePaths(in: $0 + "/public") } ?? [])
        for (path, content) in build.pages.sorted(by: { $0.key < $1.key }) {
            if !oldPages.contains(path) {
                lines.append("public/\(path) added")
            } else if readFile(oldRoot! + "/public/" + path) != content {
                lines.append("public/\(path) changed")
            }
        }
        for path in oldPages.sorted() where build.pages[path] == nil { lines.append("public/\(path) removed") }
        let oldAssets = Set(oldRoot.map { assetList($0) } ?? [])
        for name in build.assets.keys.sorted() where !oldAssets.contains(name) { lines.append("assets/\(name) added") }
        for name in oldAssets.sorted() where build.assets[name] == nil { lines.append("assets/\(name) removed") }
        return lines
    }

    private func pagePaths(in root: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []).filter { !isDirectory(root + "/" + $0) }
    }

    private func assetList(_ release: String) -> [String] {
        (readFile(release + "/assets.txt") ?? "").split(separator: "\n").map(String.init)
    }

    /// Removes releases other than `kept`, and assets none of them uses. Failures only leave garbage behind.
    private func prune(keeping kept: [String]) {
        let releases = directory + "/releases"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: releases)) ?? [] where !kept.contains(name) {
            try? FileManager.default.removeItem(atPath: releases + "/" + name)
        }
        let used = Set(kept.flatMap { assetList(releases + "/" + $0) })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: assetsDirectory)) ?? []
        where !used.contains(name) && !name.hasPrefix(".") {
            try? FileManager.default.removeItem(atPath: assetsDirectory + "/" + name)
        }
    }

    private func makeDirectory(_ path: String) throws(SiteWriteError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SiteWriteError(description: "cannot create \(path): \(error)")
        }
    }

    /// Writes to a temporary name and renames, so the file appears whole or not at all.
    private func writeAtomically(_ path: String, _ bytes: [UInt8]) throws(SiteWriteError) {
        try makeDirectory(String(path[..<path.lastIndex(of: "/")!]))
        let temporary = path + ".tmp-\(getpid())"
        do {
            try Data(bytes).write(to: URL(filePath: temporary))
        } catch {
            throw SiteWriteError(description: "cannot write \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw systemError("cannot write \(path)")
        }
    }

    private func systemError(_ what: String) -> SiteWriteError {
        SiteWriteError(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
