import HTTPClient
import KagamiConfig
import Telemetry

/// Everything `exporters` in the configuration asks for, built and started: the metrics registry, the
/// trace exporters (OTLP, Datadog) and the OTLP metrics sender. ChatHandler makes one and shuts it down
/// after its server stops.
public final class ExporterSet: Sendable {
    public let registry: MetricsRegistry
    public let traceExporters: [any TraceExporter]
    let metricsExporter: OTLPMetricsExporter?
    let shutdownTimeoutMs: Int

    /// Builds the exporters from `configuration`; secrets come from `environment` (`headers_env`,
    /// `api_key_env`). Problems that disable an exporter are logged, never fatal: a chat site must keep
    /// answering without its telemetry backend.
    public init(configuration: KagamiConfiguration, environment: [String: String], log: Log) {
        let settings = configuration.exporters
        let registry = MetricsRegistry(startNs: wallClockNanoseconds())
        let resource = ExportResource(serviceName: settings.serviceName, environment: settings.environment)
        var exporters: [any TraceExporter] = []
        var metricsExporter: OTLPMetricsExporter? = nil

        let otlp = settings.otlp
        if otlp.enabled {
            var headers = otlp.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            headers += Self.parseHeaders(environment[otlp.headersEnv] ?? "")
            let poster = HTTPPoster(http: HTTPClient(), headers: headers, gzip: otlp.gzip)
            if otlp.traces {
                exporters.append(
                    BatchExporter(
                        name: "otlp",
                        transport: OTLPTraceTransport(
                            endpoint: otlp.endpoint, encoding: otlp.encoding, openinference: otlp.openinference,
                            resource: resource, poster: poster),
                        settings: settings.delivery, timeoutMs: otlp.timeoutMs, metrics: registry, log: log))
            }
            if otlp.metrics {
                metricsExporter = OTLPMetricsExporter(
                    endpoint: otlp.endpoint, encoding: otlp.encoding, resource: resource, registry: registry,
                    intervalSeconds: otlp.metricsIntervalSeconds, timeoutMs: otlp.timeoutMs, poster: poster, log: log)
            }
            log.info(
                "exporter otlp: sending to \(otlp.endpoint) as \(otlp.encoding.rawValue)",
                [("traces", .bool(otlp.traces)), ("metrics", .bool(otlp.metrics)), ("gzip", .bool(otlp.gzip))])
        }

        let datadog = settings.datadog
        if datadog.enabled {
            if let key = environment[datadog.apiKeyEnv], !key.isEmpty {
                let poster = HTTPPoster(
                    http: HTTPClient(), headers: [("DD-API-KEY", key)], gzip: false)
                let encoder = DatadogLLMObsEncoder(mlApp: datadog.mlApp, resource: resource, extraTags: datadog.tags)
                exporters.append(
                    BatchExporter(
                        name: "datadog",
                        transport: DatadogTransport(
                            baseURL: datadog.baseURL, encoder: encoder, evaluations: datadog.evaluations,
                            poster: poster),
                        settings: settings.delivery, timeoutMs: datadog.timeoutMs, metrics: registry, log: log))
                log.info("exporter datadog: sending to \(datadog.baseURL) as ml_app \(datadog.mlApp)")
            } else {
                log.error(
                    "exporter datadog: disabled, the API key variable \(datadog.apiKeyEnv) is not set",
                    [("exporter", .string("datadog")), ("reason", .string("no_api_key"))])
            }
        }
        self.registry = registry
        self.traceExporters = exporters
        self.metricsExporter = metricsExporter
        self.shutdownTimeoutMs = settings.delivery.shutdownTimeoutMs
    }

    /// Flushes every exporter, all within one shared deadline.
    public func shutdown() {
        let deadline = monotonicNs() + UInt64(shutdownTimeoutMs) * 1_000_000
        @Sendable func remainingMs() -> Int {
            deadline > monotonicNs() ? Int((deadline - monotonicNs()) / 1_000_000) : 0
        }
        // Each flushes on its own thread; start them all, then wait.
        for exporter in traceExporters { spawnThread { exporter.shutdown(timeoutMs: remainingMs()) } }
        metricsExporter?.shutdown(timeoutMs: remainingMs())
        for exporter in traceExporters { exporter.shutdown(timeoutMs: remainingMs()) }
    }

    /// `OTEL_EXPORTER_OTLP_HEADERS` syntax: `k1=v1,k2=v2`, values percent-decoded.
    public static func parseHeaders(_ text: String) -> [(String, String)] {
        text.split(separator: ",").compactMap { pair in
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            let name = pair[..<equals].trimmingCharacters(in: " ")
            let value = percentDecoded(pair[pair.index(after: equals)...].trimmingCharacters(in: " "))
            guard !name.isEmpty, !value.contains(where: \.isNewline) else { return nil }
            return (name, value)
        }
    }

    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
