import FoundationEssentials

extension OTLPEncoding: Decodable {}

extension ExporterSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder, allowed: ["service_name", "environment", "otlp", "datadog", "prometheus", "delivery"])
        let defaults = ExporterSettings()
        self.init(
            serviceName: try object.value("service_name", default: defaults.serviceName),
            environment: try object.optional("environment"),
            otlp: try object.value("otlp", default: defaults.otlp),
            datadog: try object.value("datadog", default: defaults.datadog),
            prometheus: try object.value("prometheus", default: defaults.prometheus),
            delivery: try object.value("delivery", default: defaults.delivery))
    }
}

extension OTLPExporterSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder,
            allowed: [
                "enabled", "endpoint", "encoding", "traces", "metrics", "metrics_interval_seconds", "headers",
                "headers_env", "gzip", "openinference", "timeout_ms",
            ])
        let d = OTLPExporterSettings()
        self.init(
            enabled: try object.value("enabled", default: d.enabled),
            endpoint: try object.value("endpoint", default: d.endpoint),
            encoding: try object.value("encoding", default: d.encoding),
            traces: try object.value("traces", default: d.traces),
            metrics: try object.value("metrics", default: d.metrics),
            metricsIntervalSeconds: try object.value("metrics_interval_seconds", default: d.metricsIntervalSeconds),
            headers: try object.value("headers", default: d.headers),
            headersEnv: try object.value("headers_env", default: d.headersEnv),
            gzip: try object.value("gzip", default: d.gzip),
            openinference: try object.value("openinference", default: d.openinference),
            timeoutMs: try object.value("timeout_ms", default: d.timeoutMs))
    }
}

extension DatadogExporterSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder,
            allowed: ["enabled", "site", "url", "api_key_env", "ml_app", "tags", "evaluations", "timeout_ms"])
        let d = DatadogExporterSettings()
        self.init(
            enabled: try object.value("enabled", default: d.enabled),
            site: try object.value("site", default: d.site),
            url: try object.optional("url"),
            apiKeyEnv: try object.value("api_key_env", default: d.apiKeyEnv),
            mlApp: try object.value("ml_app", default: d.mlApp),
            tags: try object.value("tags", default: d.tags),
            evaluations: try object.value("evaluations", default: d.evaluations),
            timeoutMs: try object.value("timeout_ms", default: d.timeoutMs))
    }
}

extension PrometheusSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(decoder, allowed: ["enabled", "allow"])
        let d = PrometheusSettings()
        self.init(
            enabled: try object.value("enabled", default: d.enabled), allow: try object.value("allow", default: d.allow)
        )
    }
}

extension DeliverySettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder,
            allowed: [
                "max_queue_spans", "batch_spans", "batch_bytes", "flush_interval_ms", "max_retries",
                "initial_backoff_ms", "max_backoff_ms", "shutdown_timeout_ms",
            ])
        let d = DeliverySettings()
        self.init(
            maxQueueSpans: try object.value("max_queue_spans", default: d.maxQueueSpans),
            batchSpans: try object.value("batch_spans", default: d.batchSpans),
            batchBytes: try object.value("batch_bytes", default: d.batchBytes),
            flushIntervalMs: try object.value("flush_interval_ms", default: d.flushIntervalMs),
            maxRetries: try object.value("max_retries", default: d.maxRetries),
            initialBackoffMs: try object.value("initial_backoff_ms", default: d.initialBackoffMs),
            maxBackoffMs: try object.value("max_backoff_ms", default: d.maxBackoffMs),
            shutdownTimeoutMs: try object.value("shutdown_timeout_ms", default: d.shutdownTimeoutMs))
    }
}
