import Privacy

/// A rendered site, in memory: the pages and the content-hashed assets they reference.
public struct SiteBuild: Sendable, Equatable {
    /// Page content by path under `public/` (`index.html`).
    public var pages: [String: String]
    /// Asset content by hashed file name (`chat.3f9a0c1d2e4b.js`), served under `/assets/`.
    public var assets: [String: [UInt8]]

    /// A build from its parts.
    public init(pages: [String: String], assets: [String: [UInt8]]) {
        self.pages = pages
        self.assets = assets
    }

    /// Identifies the build by content, so publishing the same site twice is a no-op.
    public var releaseID: String {
        var bytes: [UInt8] = []
        for (path, content) in pages.sorted(by: { $0.key < $1.key }) {
            bytes += Array(path.utf8) + [0] + Array(content.utf8) + [0]
        }
        for name in assets.keys.sorted() { bytes += Array(name.utf8) + [0] }
        return String(SHA256.hexDigest(bytes).prefix(16))
    }
}
