/// Where telemetry goes besides the embedded store: OTLP/HTTP, Datadog LLM Observability, Prometheus.
/// Every exporter is off by default except Prometheus `/metrics`, which only loopback may read.
public struct ExporterSettings: Sendable, Equatable {
    /// `service.name` (OTLP resource) and `service:` tag (Datadog). Default `kagami`; `OTEL_SERVICE_NAME`
    /// overrides.
    public var serviceName: String
    /// `deployment.environment` / `env:` tag. Default: none; `KAGAMI_ENVIRONMENT` overrides.
    public var environment: String?
    public var otlp: OTLPExporterSettings
    public var datadog: DatadogExporterSettings
    public var prometheus: PrometheusSettings
    /// Queueing, batching and retries; each exporter has its own queue of this size.
    public var delivery: DeliverySettings

    public init(
        serviceName: String = "kagami", environment: String? = nil, otlp: OTLPExporterSettings = .init(),
        datadog: DatadogExporterSettings = .init(), prometheus: PrometheusSettings = .init(),
        delivery: DeliverySettings = .init()
    ) {
        self.serviceName = serviceName
        self.environment = environment
        self.otlp = otlp
        self.datadog = datadog
        self.prometheus = prometheus
        self.delivery = delivery
    }
}

/// OTLP payload encoding.
public enum OTLPEncoding: String, Sendable, Equatable, CaseIterable {
    /// `application/x-protobuf` (Phoenix and Datadog's agentless endpoints accept only this).
    case protobuf
    /// `application/json` with hex ids (OTLP/JSON).
    case json
}

/// OpenTelemetry OTLP/HTTP: traces to `{endpoint}/v1/traces`, metrics to `{endpoint}/v1/metrics`.
public struct OTLPExporterSettings: Sendable, Equatable {
    /// Default false.
    public var enabled: Bool
    /// Base URL of the receiver (collector, Phoenix, Jaeger, Langfuse, Datadog Agent). Default
    /// `http://127.0.0.1:4318`; `OTEL_EXPORTER_OTLP_ENDPOINT` overrides.
    public var endpoint: String
    /// Default `protobuf`.
    public var encoding: OTLPEncoding
    /// Send spans. Default true.
    public var traces: Bool
    /// Send the GenAI histograms and request counters. Default false.
    public var metrics: Bool
    /// How often metrics are sent (cumulative). Default 60 s.
    public var metricsIntervalSeconds: Double
    /// Extra request headers. Default none. Prefer `headers_env` for secrets.
    public var headers: [String: String]
    /// Environment variable with more headers as `k1=v1,k2=v2` (API keys). Default `OTEL_EXPORTER_OTLP_HEADERS`.
    public var headersEnv: String
    /// Compress bodies with gzip. Default false.
    public var gzip: Bool
    /// Add OpenInference attributes (`openinference.span.kind`, `llm.*`, `input.value`) so Phoenix and Arize
    /// show LLM spans natively. Default true.
    public var openinference: Bool
    /// Longest one export may take. Default 10 000 ms.
    public var timeoutMs: Int

    public init(
        enabled: Bool = false, endpoint: String = "http://127.0.0.1:4318", encoding: OTLPEncoding = .protobuf,
        traces: Bool = true, metrics: Bool = false, metricsIntervalSeconds: Double = 60,
        headers: [String: String] = [:],
        headersEnv: String = "OTEL_EXPORTER_OTLP_HEADERS", gzip: Bool = false, openinference: Bool = true,
        timeoutMs: Int = 10_000
    ) {
        self.enabled = enabled
        self.endpoint = endpoint
        self.encoding = encoding
        self.traces = traces
        self.metrics = metrics
        self.metricsIntervalSeconds = metricsIntervalSeconds
        self.headers = headers
        self.headersEnv = headersEnv
        self.gzip = gzip
        self.openinference = openinference
        self.timeoutMs = timeoutMs
    }
}

/// Datadog LLM Observability's JSON span API (agentless).
public struct DatadogExporterSettings: Sendable, Equatable {
    /// Default false.
    public var enabled: Bool
    /// Datadog site; the intake is `https://api.{site}`. Default `datadoghq.com`; `DD_SITE` overrides.
    public var site: String
    /// Base URL replacing `https://api.{site}` (a proxy, or a test receiver). Default: none.
    public var url: String?
    /// Environment variable with the API key (sent as `DD-API-KEY`, never logged). Default `DD_API_KEY`.
    public var apiKeyEnv: String
    /// `ml_app` of every span. Default `kagami`; `DD_LLMOBS_ML_APP` overrides.
    public var mlApp: String
    /// Extra `key:value` tags. Default none.
    public var tags: [String]
    /// Send local evaluation results to the eval-metric endpoint. Default true.
    public var evaluations: Bool
    /// Longest one export may take. Default 10 000 ms.
    public var timeoutMs: Int

    public init(
        enabled: Bool = false, site: String = "datadoghq.com", url: String? = nil, apiKeyEnv: String = "DD_API_KEY",
        mlApp: String = "kagami", tags: [String] = [], evaluations: Bool = true, timeoutMs: Int = 10_000
    ) {
        self.enabled = enabled
        self.site = site
        self.url = url
        self.apiKeyEnv = apiKeyEnv
        self.mlApp = mlApp
        self.tags = tags
        self.evaluations = evaluations
        self.timeoutMs = timeoutMs
    }

    /// The intake base URL, overrides applied.
    public var baseURL: String { url ?? "https://api.\(site)" }
}

/// Prometheus `GET /metrics`, served by ChatHandler.
public struct PrometheusSettings: Sendable, Equatable {
    /// Default true (nginx lets only `allow` read it).
    public var enabled: Bool
    /// Addresses or CIDR ranges nginx lets read `/metrics`; everyone else gets 403. Default `127.0.0.1`, `::1`.
    public var allow: [String]

    public init(enabled: Bool = true, allow: [String] = ["127.0.0.1", "::1"]) {
        self.enabled = enabled
        self.allow = allow
    }
}

/// How exporters queue, batch and retry. A slow or dead receiver costs memory up to `max_queue_spans` per
/// exporter and drops beyond that; it never slows a chat.
public struct DeliverySettings: Sendable, Equatable {
    /// Spans waiting per exporter; more are dropped (and counted). Default 8192.
    public var maxQueueSpans: Int
    /// Spans per request. Default 512.
    public var batchSpans: Int
    /// Estimated bytes per request. Default 1 000 000.
    public var batchBytes: Int
    /// Longest a span waits for its batch to fill. Default 1000 ms.
    public var flushIntervalMs: Int
    /// Retries of one batch (connect errors, 429, 5xx) before it is dropped. Default 5.
    public var maxRetries: Int
    /// First retry delay, doubled each time, with jitter. Default 500 ms.
    public var initialBackoffMs: Int
    /// Longest retry delay (also caps `Retry-After`). Default 30 000 ms.
    public var maxBackoffMs: Int
    /// On shutdown, how long queued spans may take to go out. Default 3000 ms.
    public var shutdownTimeoutMs: Int

    public init(
        maxQueueSpans: Int = 8192, batchSpans: Int = 512, batchBytes: Int = 1_000_000, flushIntervalMs: Int = 1000,
        maxRetries: Int = 5, initialBackoffMs: Int = 500, maxBackoffMs: Int = 30_000, shutdownTimeoutMs: Int = 3000
    ) {
        self.maxQueueSpans = maxQueueSpans
        self.batchSpans = batchSpans
        self.batchBytes = batchBytes
        self.flushIntervalMs = flushIntervalMs
        self.maxRetries = maxRetries
        self.initialBackoffMs = initialBackoffMs
        self.maxBackoffMs = maxBackoffMs
        self.shutdownTimeoutMs = shutdownTimeoutMs
    }
}
