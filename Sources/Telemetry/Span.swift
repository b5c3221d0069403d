/// A span attribute value (the OpenTelemetry scalar kinds, plus string lists for finish reasons).
public enum AttributeValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case strings([String])

    /// JSON text for this value.
    public var json: String {
        switch self {
        case .string(let value): JSONText.quote(value)
        case .int(let value): String(value)
        case .double(let value): value.isFinite ? formatFixed(value, digits: 3) : "null"
        case .bool(let value): value ? "true" : "false"
        case .strings(let values): "[" + values.map { JSONText.quote($0) }.joined(separator: ",") + "]"
        }
    }
}

/// What role a span plays (OpenTelemetry's span kind).
public enum SpanKind: String, Sendable {
    case server, client, `internal`
}

/// A point in time inside a span, e.g. an evaluation result.
public struct SpanEvent: Sendable, Equatable {
    public var name: String
    public var timeNs: UInt64
    public var attributes: [String: AttributeValue]

    public init(name: String, timeNs: UInt64, attributes: [String: AttributeValue] = [:]) {
        self.name = name
        self.timeNs = timeNs
        self.attributes = attributes
    }
}

/// A finished span: an immutable value, handed to stores and exporters as is.
public struct Span: Sendable, Equatable {
    public var traceID: String
    public var spanID: String
    public var parentSpanID: String?
    public var name: String
    public var kind: SpanKind
    /// Wall clock, ns since the Unix epoch.
    public var startNs: UInt64
    public var endNs: UInt64
    /// Set for failed operations; `errorType` is the short code (`backend_timeout`).
    public var errorType: String?
    public var attributes: [String: AttributeValue]
    public var events: [SpanEvent]

    public init(
        traceID: String, spanID: String = randomHex(bytes: 8), parentSpanID: String?, name: String,
        kind: SpanKind = .internal, startNs: UInt64, endNs: UInt64, errorType: String? = nil,
        attributes: [String: AttributeValue] = [:], events: [SpanEvent] = []
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.name = name
        self.kind = kind
        self.startNs = startNs
        self.endNs = max(startNs, endNs)
        self.errorType = errorType
        self.attributes = attributes
        self.events = events
    }

    public var durationNs: UInt64 { endNs - startNs }

    /// Attributes as a JSON object with sorted keys (stable for storage and golden files).
    public var attributesJSON: String {
        "{"
            + attributes.sorted { $0.key < $1.key }.map { JSONText.quote($0.key) + ":" + $0.value.json }
            .joined(separator: ",") + "}"
    }
}
