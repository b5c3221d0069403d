import Telemetry

/// Encodes a registry snapshot as an OTLP `ExportMetricsServiceRequest` (cumulative temporality): families
/// with an OpenTelemetry name only, counters as monotonic sums, histograms with their explicit bounds.
public struct OTLPMetricsEncoder: Sendable {
    public var resource: ExportResource

    public init(resource: ExportResource) { self.resource = resource }

    /// Protobuf bytes (`opentelemetry/proto/metrics/v1/metrics.proto`).
    public func protobuf(_ snapshot: [MetricSnapshot], startNs: UInt64, nowNs: UInt64) -> [UInt8] {
        var w = ProtobufWriter(capacity: 4096)
        w.message(1) { rm in  // ResourceMetrics
            rm.message(1) { r in
                for (key, value) in resource.attributes { r.keyValue(1, key, value) }
            }
            rm.message(2) { sm in  // ScopeMetrics
                sm.message(1) { scope in
                    scope.string(1, "kagami")
                    scope.string(2, resource.serviceVersion)
                }
                for metric in snapshot {
                    guard let name = metric.family.otlpName, !metric.points.isEmpty else { continue }
                    sm.message(2) { m in  // Metric
                        m.string(1, name)
                        m.string(2, metric.family.help)
                        m.string(3, metric.family.unit)
                        switch metric.family.type {
                        case .counter, .gauge:
                            let field = metric.family.type == .counter ? 7 : 5  // sum : gauge
                            m.message(field) { data in
                                for point in metric.points {
                                    data.message(1) { p in  // NumberDataPoint
                                        p.fixed64(2, startNs)
                                        p.fixed64(3, nowNs)
                                        p.double(4, point.value, always: true)
                                        for (key, value) in attributes(point, metric.family) {
                                            p.keyValue(7, key, .string(value))
                                        }
                                    }
                                }
                                if metric.family.type == .counter {
                                    data.uint(2, 2)  // AGGREGATION_TEMPORALITY_CUMULATIVE
                                    data.bool(3, true)  // is_monotonic
                                }
                            }
                        case .histogram:
                            m.message(9) { data in
                                for point in metric.points {
                                    data.message(1) { p in  // HistogramDataPoint
                                        p.fixed64(2, startNs)
                                        p.fixed64(3, nowNs)
                                        p.fixed64(4, point.count)
                                        p.double(5, point.value, always: true)
                                        p.packedFixed64(6, point.bucketCounts)
                                        p.packedFixed64(7, metric.family.buckets.map(\.bitPattern))
                                        for (key, value) in attributes(point, metric.family) {
                                            p.keyValue(9, key, .string(value))
                                        }
                                    }
                                }
                                data.uint(2, 2)
                            }
                        }
                    }
                }
            }
        }
        return w.bytes
    }

    /// OTLP/JSON text.
    public func json(_ snapshot: [MetricSnapshot], startNs: UInt64, nowNs: UInt64) -> String {
        var metrics: [String] = []
        for metric in snapshot {
            guard let name = metric.family.otlpName, !metric.points.isEmpty else { continue }
            let points = metric.points.map { point -> String in
                let attrs = attributes(point, metric.family).map {
                    "{\"key\":\(JSONText.quote($0.0)),\"value\":{\"stringValue\":\(JSONText.quote($0.1))}}"
                }.joined(separator: ",")
                var out =
                    "{\"attributes\":[\(attrs)],\"startTimeUnixNano\":\"\(startNs)\",\"timeUnixNano\":\"\(nowNs)\""
                if metric.family.type == .histogram {
                    out += ",\"count\":\"\(point.count)\",\"sum\":\(point.value)"
                    out += ",\"bucketCounts\":[" + point.bucketCounts.map { "\"\($0)\"" }.joined(separator: ",") + "]"
                    out += ",\"explicitBounds\":[" + metric.family.buckets.map { "\($0)" }.joined(separator: ",") + "]"
                } else {
                    out += ",\"asDouble\":\(point.value)"
                }
                return out + "}"
            }.joined(separator: ",")
            var out = "{\"name\":\(JSONText.quote(name)),\"description\":\(JSONText.quote(metric.family.help))"
            out += ",\"unit\":\(JSONText.quote(metric.family.unit)),"
            switch metric.family.type {
            case .counter:
                out += "\"sum\":{\"dataPoints\":[\(points)],\"aggregationTemporality\":2,\"isMonotonic\":true}"
            case .gauge: out += "\"gauge\":{\"dataPoints\":[\(points)]}"
            case .histogram: out += "\"histogram\":{\"dataPoints\":[\(points)],\"aggregationTemporality\":2}"
            }
            metrics.append(out + "}")
        }
        let resourceAttrs = resource.attributes.compactMap { key, value in
            OTLPTraceEncoder.jsonAnyValue(value).map { "{\"key\":\(JSONText.quote(key)),\"value\":\($0)}" }
        }.joined(separator: ",")
        return "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[\(resourceAttrs)]},\"scopeMetrics\":[{\"scope\":"
            + "{\"name\":\"kagami\",\"version\":\(JSONText.quote(resource.serviceVersion))},\"metrics\":["
            + metrics.joined(separator: ",") + "]}]}]}"
    }

    private func attributes(_ point: MetricPoint, _ family: MetricFamily) -> [(String, String)] {
        var list = point.labels.map { (family.otlpAttributes[$0.0] ?? $0.0, $0.1) }
        if family.otlpName?.hasPrefix("gen_ai.") == true { list.insert(("gen_ai.operation.name", "chat"), at: 0) }
        return list
    }
}
