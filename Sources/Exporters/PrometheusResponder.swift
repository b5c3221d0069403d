import FastCGI

/// Answers `GET /metrics` with the registry in the Prometheus text format. nginx restricts who may ask
/// (`exporters.prometheus.allow`); this responder trusts that.
public struct PrometheusResponder: Responder {
    let registry: MetricsRegistry

    public init(registry: MetricsRegistry) { self.registry = registry }

    public func respond(to request: HTTPRequest, writer: any ResponseWriter) {
        do {
            guard request.method == "GET" || request.method == "HEAD" else {
                try writer.start(status: 405, headers: [("Allow", "GET"), ("Content-Type", "text/plain")])
                try writer.write("method not allowed\n")
                return
            }
            let text = PrometheusText.render(registry.snapshot())
            try writer.start(
                status: 200, headers: [("Content-Type", PrometheusText.contentType), ("Cache-Control", "no-store")])
            if request.method == "GET" { try writer.write(text) }
        } catch {
            // The scraper left; nothing to clean up.
        }
    }
}
