extension ExporterSettings {
    /// Problems in the `exporters` section, each naming its key.
    func validate() -> [ConfigError] {
        var problems: [ConfigError] = []
        func check(_ condition: Bool, _ key: String, _ message: String) {
            if !condition { problems.append(ConfigError(keyPath: "exporters.\(key)", message: message)) }
        }
        check(!serviceName.isEmpty, "service_name", "must not be empty")
        check(isHTTPURL(otlp.endpoint), "otlp.endpoint", "\"\(otlp.endpoint)\" is not an http(s) URL")
        check((1...3600).contains(otlp.metricsIntervalSeconds), "otlp.metrics_interval_seconds", "must be 1…3600")
        check((1...600_000).contains(otlp.timeoutMs), "otlp.timeout_ms", "must be 1…600000")
        for name in otlp.headers.keys.sorted() {
            check(isHeaderName(name), "otlp.headers.\(name)", "is not an HTTP header name")
        }
        for (name, value) in otlp.headers where value.contains(where: { $0 == "\r" || $0 == "\n" }) {
            check(false, "otlp.headers.\(name)", "must not contain line breaks")
        }
        check(
            !datadog.site.isEmpty && datadog.site.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" },
            "datadog.site", "must be a host name such as datadoghq.com or datadoghq.eu")
        if let url = datadog.url { check(isHTTPURL(url), "datadog.url", "\"\(url)\" is not an http(s) URL") }
        check(!datadog.mlApp.isEmpty, "datadog.ml_app", "must not be empty")
        check((1...600_000).contains(datadog.timeoutMs), "datadog.timeout_ms", "must be 1…600000")
        for (index, tag) in datadog.tags.enumerated() {
            check(tag.contains(":") && !tag.contains(","), "datadog.tags[\(index)]", "must look like key:value")
        }
        for (index, address) in prometheus.allow.enumerated() {
            let allowed = Set("0123456789abcdefABCDEF.:/")
            check(
                address == "all" || (!address.isEmpty && address.allSatisfy(allowed.contains)),
                "prometheus.allow[\(index)]", "must be an IP address, a CIDR range or all")
        }
        check(delivery.maxQueueSpans >= 1, "delivery.max_queue_spans", "must be positive")
        check(delivery.batchSpans >= 1, "delivery.batch_spans", "must be positive")
        check(delivery.batchBytes >= 1024, "delivery.batch_bytes", "must be at least 1024")
        check(delivery.flushIntervalMs >= 1, "delivery.flush_interval_ms", "must be positive")
        check((0...100).contains(delivery.maxRetries), "delivery.max_retries", "must be 0…100")
        check(delivery.initialBackoffMs >= 1, "delivery.initial_backoff_ms", "must be positive")
        check(
            delivery.maxBackoffMs >= delivery.initialBackoffMs, "delivery.max_backoff_ms",
            "must be ≥ initial_backoff_ms")
        check(delivery.shutdownTimeoutMs >= 0, "delivery.shutdown_timeout_ms", "must not be negative")
        return problems
    }

    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`, `KAGAMI_ENVIRONMENT`, `DD_SITE`, `DD_LLMOBS_ML_APP`.
    mutating func apply(environment: [String: String]) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let endpoint = value("OTEL_EXPORTER_OTLP_ENDPOINT") { otlp.endpoint = endpoint }
        if let name = value("OTEL_SERVICE_NAME") { serviceName = name }
        if let name = value("KAGAMI_ENVIRONMENT") { self.environment = name }
        if let site = value("DD_SITE") { datadog.site = site }
        if let app = value("DD_LLMOBS_ML_APP") { datadog.mlApp = app }
    }
}

private func isHeaderName(_ name: String) -> Bool {
    !name.isEmpty
        && name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_".unicodeScalars.contains($0))
        }
}
