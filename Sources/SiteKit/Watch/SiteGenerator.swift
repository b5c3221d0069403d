import KagamiConfig

/// Builds and publishes the whole output: the page release and the nginx snippet. One call per regeneration.
public struct SiteGenerator: Sendable {
    public let builder: SiteBuilder
    public let publisher: SitePublisher
    public let nginx: NginxConfigRenderer

    /// A generator writing into `outputDirectory` (absolute, see ``NginxConfigRenderer/siteDirectoryProblem(_:)``).
    public init(configuration: KagamiConfiguration, sources: SiteSources, outputDirectory: String) {
        builder = SiteBuilder(configuration: configuration, sources: sources)
        publisher = SitePublisher(directory: outputDirectory)
        nginx = NginxConfigRenderer(configuration: configuration, siteDirectory: outputDirectory)
    }

    /// Renders and publishes; returns one line per file that changed (empty: nothing changed).
    public func generate(snapshot: ModelSnapshot) throws -> [String] {
        let build = try builder.build(snapshot: snapshot)
        let report = try publisher.publish(build)
        let nginxChanged = try SiteWriter(root: publisher.directory).publish([
            "nginx/kagami-http.conf": nginx.httpConf(),
            "nginx/kagami-locations.conf": nginx.locationsConf(),
        ])
        var lines = report.changes.isEmpty ? [] : ["release \(report.releaseID)"] + report.changes.map { "  " + $0 }
        for path in nginxChanged { lines.append("\(path) changed (reload nginx to apply it)") }
        return lines
    }
}
