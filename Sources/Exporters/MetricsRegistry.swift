import Synchronization

/// What a metric family is: Prometheus type names.
public enum MetricType: String, Sendable {
    case counter, gauge, histogram
}

/// One metric family's definition: its Prometheus name, help, type, and (for OTLP) its OpenTelemetry name,
/// unit and how label names translate to attribute names.
public struct MetricFamily: Sendable, Hashable {
    public var name: String
    public var help: String
    public var type: MetricType
    /// Histogram upper bounds (without +Inf).
    public var buckets: [Double]
    /// OpenTelemetry name (`gen_ai.client.operation.duration`); `nil` keeps the family out of OTLP.
    public var otlpName: String?
    /// UCUM unit for OTLP (`s`, `{token}`).
    public var unit: String
    /// Label → OTLP attribute name (`model` → `gen_ai.request.model`); unlisted labels keep their name.
    public var otlpAttributes: [String: String]

    public init(
        name: String, help: String, type: MetricType, buckets: [Double] = [], otlpName: String? = nil,
        unit: String = "", otlpAttributes: [String: String] = [:]
    ) {
        self.name = name
        self.help = help
        self.type = type
        self.buckets = buckets
        self.otlpName = otlpName
        self.unit = unit
        self.otlpAttributes = otlpAttributes
    }

    public static func == (a: MetricFamily, b: MetricFamily) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// A label set, in the order the family's recorder gives it (always the same order per family).
public typealias MetricLabels = [(String, String)]

/// One time series' value at snapshot time.
public struct MetricPoint: Sendable {
    public var labels: MetricLabels
    /// Counter or gauge value; for a histogram, the sum.
    public var value: Double
    /// Histogram: per-bucket (not cumulative) counts, one more than `buckets` (the +Inf bucket).
    public var bucketCounts: [UInt64]
    /// Histogram: number of observations.
    public var count: UInt64
}

/// A family and its series at one moment.
public struct MetricSnapshot: Sendable {
    public var family: MetricFamily
    public var points: [MetricPoint]
}

/// In-process metrics, updated by observers and exporters from any thread and read by `/metrics` and the OTLP
/// metrics exporter.
///
/// One `Mutex` guards everything: an update is a dictionary lookup and a few additions, far below the cost of
/// the chat that caused it, so finer locking would buy nothing measurable.
public final class MetricsRegistry: Sendable {
    struct SeriesKey: Hashable {
        let family: String
        let labels: [String]
    }

    struct Series {
        var labels: MetricLabels
        var value: Double = 0
        var bucketCounts: [UInt64] = []
        var count: UInt64 = 0
    }

    struct State {
        var families: [String: MetricFamily] = [:]
        var order: [String] = []
        var series: [SeriesKey: Series] = [:]
    }

    private let state = Mutex(State())
    /// Gauges computed at read time (queue depths), by family name.
    private let gauges = Mutex<[(MetricFamily, @Sendable () -> [(MetricLabels, Double)])]>([])
    /// When the registry started (OTLP cumulative start time), ns since the epoch.
    public let startNs: UInt64

    public init(startNs: UInt64 = 0) { self.startNs = startNs }

    /// Adds `value` to a counter.
    public func add(_ family: MetricFamily, _ labels: MetricLabels = [], _ value: Double = 1) {
        update(family, labels) { $0.value += value }
    }

    /// Sets a gauge.
    public func set(_ family: MetricFamily, _ labels: MetricLabels = [], _ value: Double) {
        update(family, labels) { $0.value = value }
    }

    /// Records one histogram observation.
    public func observe(_ family: MetricFamily, _ labels: MetricLabels = [], _ value: Double) {
        guard value.isFinite else { return }
        let index = family.buckets.firstIndex { value <= $0 } ?? family.buckets.count
        update(family, labels) { series in
            if series.bucketCounts.isEmpty {
                series.bucketCounts = Array(repeating: 0, count: family.buckets.count + 1)
            }
            series.bucketCounts[index] += 1
            series.count += 1
            series.value += value
        }
    }

    /// Registers a gauge whose series are computed at read time.
    public func gauge(_ family: MetricFamily, _ read: @escaping @Sendable () -> [(MetricLabels, Double)]) {
        gauges.withLock { $0.append((family, read)) }
    }

    /// Makes a family appear (with no series) before its first update, so `/metrics` lists it from the start.
    public func declare(_ family: MetricFamily) {
        state.withLock { state in
            if state.families[family.name] == nil {
                state.families[family.name] = family
                state.order.append(family.name)
            }
        }
    }

    private func update(_ family: MetricFamily, _ labels: MetricLabels, _ change: (inout Series) -> Void) {
        let key = SeriesKey(family: family.name, labels: labels.map { $0.1 })
        state.withLock { state in
            if state.families[family.name] == nil {
                state.families[family.name] = family
                state.order.append(family.name)
            }
            change(&state.series[key, default: Series(labels: labels)])
        }
    }

    /// The current value of one series (tests and the exporter's own bookkeeping).
    public func value(_ family: MetricFamily, _ labels: MetricLabels = []) -> Double {
        state.withLock { $0.series[SeriesKey(family: family.name, labels: labels.map { $0.1 })]?.value ?? 0 }
    }

    /// Everything, families in registration order, series sorted by labels.
    public func snapshot() -> [MetricSnapshot] {
        var result: [MetricSnapshot] = state.withLock { state in
            var byFamily: [String: [MetricPoint]] = [:]
            for (key, series) in state.series {
                byFamily[key.family, default: []].append(
                    MetricPoint(
                        labels: series.labels, value: series.value, bucketCounts: series.bucketCounts,
                        count: series.count))
            }
            return state.order.map { name in
                let points = (byFamily[name] ?? []).sorted {
                    $0.labels.map(\.1).lexicographicallyPrecedes($1.labels.map(\.1))
                }
                return MetricSnapshot(family: state.families[name]!, points: points)
            }
        }
        // Read-time gauges run outside the registry lock: they take other locks (admission gates, queues).
        let computed = gauges.withLock { $0 }
        for (family, read) in computed {
            let points = read().map { MetricPoint(labels: $0.0, value: $0.1, bucketCounts: [], count: 0) }
            result.append(MetricSnapshot(family: family, points: points))
        }
        return result
    }
}
