/// Renders a registry snapshot in the Prometheus text exposition format 0.0.4.
public enum PrometheusText {
    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition text for `snapshot`.
    public static func render(_ snapshot: [MetricSnapshot]) -> String {
        var out = ""
        out.reserveCapacity(4096)
        for metric in snapshot {
            let family = metric.family
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) \(family.type.rawValue)\n"
            for point in metric.points {
                switch family.type {
                case .counter, .gauge:
                    out += family.name + labels(point.labels) + " " + number(point.value) + "\n"
                case .histogram:
                    var cumulative: UInt64 = 0
                    for (index, bound) in family.buckets.enumerated() {
                        cumulative += index < point.bucketCounts.count ? point.bucketCounts[index] : 0
                        out += family.name + "_bucket" + labels(point.labels + [("le", number(bound))])
                        out += " \(cumulative)\n"
                    }
                    out += family.name + "_bucket" + labels(point.labels + [("le", "+Inf")]) + " \(point.count)\n"
                    out += family.name + "_sum" + labels(point.labels) + " " + number(point.value) + "\n"
                    out += family.name + "_count" + labels(point.labels) + " \(point.count)\n"
                }
            }
        }
        return out
    }

    static func labels(_ labels: MetricLabels) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Go-style float text: integers without a fraction, `+Inf`/`-Inf`/`NaN`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }
}
