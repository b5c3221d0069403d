import Telemetry

/// Encodes spans as an OTLP `ExportTraceServiceRequest`: protobuf (field numbers from
/// `opentelemetry/proto/trace/v1/trace.proto`) or OTLP/JSON (hex ids, enums as integers, int64 as strings).
///
/// Attributes are written in key order, so the same spans always give the same bytes.
public struct OTLPTraceEncoder: Sendable {
    public var resource: ExportResource
    /// Instrumentation scope name.
    public var scopeName: String

    public init(resource: ExportResource, scopeName: String = "kagami") {
        self.resource = resource
        self.scopeName = scopeName
    }

    // MARK: protobuf

    /// The request as protobuf bytes.
    public func protobuf(_ spans: [Span]) -> [UInt8] {
        var w = ProtobufWriter(capacity: spans.count * 600 + 256)
        w.message(1) { resourceSpans in  // ExportTraceServiceRequest.resource_spans
            resourceSpans.message(1) { r in  // ResourceSpans.resource
                for (key, value) in resource.attributes { r.keyValue(1, key, value) }
            }
            resourceSpans.message(2) { scopeSpans in  // ResourceSpans.scope_spans
                scopeSpans.message(1) { scope in  // InstrumentationScope
                    scope.string(1, scopeName)
                    scope.string(2, resource.serviceVersion)
                }
                for span in spans { scopeSpans.message(2) { $0.span(span) } }
            }
        }
        return w.bytes
    }

    // MARK: JSON

    /// The request as OTLP/JSON text.
    public func json(_ spans: [Span]) -> String {
        var out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
        out += resource.attributes.map { jsonKeyValue($0.0, $0.1) }.joined(separator: ",")
        out += "]},\"scopeSpans\":[{\"scope\":{\"name\":" + JSONText.quote(scopeName) + ",\"version\":"
        out += JSONText.quote(resource.serviceVersion) + "},\"spans\":["
        var first = true
        for span in spans {
            if !first { out += "," }
            first = false
            out += jsonSpan(span)
        }
        return out + "]}]}]}"
    }

    func jsonSpan(_ span: Span) -> String {
        var out = "{\"traceId\":" + JSONText.quote(span.traceID.lowercased()) + ",\"spanId\":"
        out += JSONText.quote(span.spanID.lowercased())
        if let parent = span.parentSpanID, !parent.isEmpty {
            out += ",\"parentSpanId\":" + JSONText.quote(parent.lowercased())
        }
        out += ",\"name\":" + JSONText.quote(span.name) + ",\"kind\":" + String(span.kind.otlpValue)
        out += ",\"startTimeUnixNano\":\"\(span.startNs)\",\"endTimeUnixNano\":\"\(span.endNs)\",\"attributes\":["
        out += sortedAttributes(span).map { jsonKeyValue($0.0, $0.1) }.joined(separator: ",") + "]"
        if !span.events.isEmpty {
            out += ",\"events\":["
            out += span.events.map { event in
                "{\"timeUnixNano\":\"\(event.timeNs)\",\"name\":" + JSONText.quote(event.name) + ",\"attributes\":["
                    + event.attributes.sorted { $0.key < $1.key }.compactMap { jsonKeyValueOrNil($0.key, $0.value) }
                    .joined(separator: ",") + "]}"
            }.joined(separator: ",")
            out += "]"
        }
        if let error = span.errorType {
            out += ",\"status\":{\"message\":" + JSONText.quote(error) + ",\"code\":2}"
        } else {
            out += ",\"status\":{}"
        }
        return out + "}"
    }

    func jsonKeyValue(_ key: String, _ value: AttributeValue) -> String {
        jsonKeyValueOrNil(key, value) ?? "{\"key\":" + JSONText.quote(key) + ",\"value\":{}}"
    }

    func jsonKeyValueOrNil(_ key: String, _ value: AttributeValue) -> String? {
        guard let encoded = Self.jsonAnyValue(value) else { return nil }
        return "{\"key\":" + JSONText.quote(key) + ",\"value\":" + encoded + "}"
    }

    static func jsonAnyValue(_ value: AttributeValue) -> String? {
        switch value {
        case .string(let text): return "{\"stringValue\":" + JSONText.quote(text) + "}"
        case .int(let number): return "{\"intValue\":\"\(number)\"}"
        case .double(let number):
            // JSON has no NaN or infinity; such a value is left out rather than breaking the payload.
            guard number.isFinite else { return nil }
            return "{\"doubleValue\":\(number)}"
        case .bool(let flag): return "{\"boolValue\":\(flag)}"
        case .strings(let list):
            return "{\"arrayValue\":{\"values\":["
                + list.map { "{\"stringValue\":" + JSONText.quote($0) + "}" }.joined(separator: ",") + "]}}"
        }
    }
}

/// Attributes in key order, with `error.type` added for failed spans (the GenAI conventions ask for it).
func sortedAttributes(_ span: Span) -> [(String, AttributeValue)] {
    var attributes = span.attributes
    if let error = span.errorType, attributes["error.type"] == nil { attributes["error.type"] = .string(error) }
    return attributes.sorted { $0.key < $1.key }.filter { key, value in
        if case .double(let number) = value { return number.isFinite }
        return true
    }
}

extension SpanKind {
    /// `opentelemetry.proto.trace.v1.Span.SpanKind`.
    var otlpValue: Int {
        switch self {
        case .internal: 1
        case .server: 2
        case .client: 3
        }
    }
}

extension ProtobufWriter {
    /// One `opentelemetry.proto.trace.v1.Span`.
    mutating func span(_ span: Span) {
        data(1, hexBytes(span.traceID))
        data(2, hexBytes(span.spanID))
        if let parent = span.parentSpanID { data(4, hexBytes(parent)) }
        string(5, span.name)
        uint(6, UInt64(span.kind.otlpValue))
        fixed64(7, span.startNs)
        fixed64(8, span.endNs)
        for (key, value) in sortedAttributes(span) { keyValue(9, key, value) }
        for event in span.events {
            message(11) { e in
                e.fixed64(1, event.timeNs)
                e.string(2, event.name)
                for (key, value) in event.attributes.sorted(by: { $0.key < $1.key }) { e.keyValue(3, key, value) }
            }
        }
        message(15) { status in  // Status: message = 2, code = 3 (ERROR = 2)
            if let error = span.errorType {
                status.string(2, error)
                status.uint(3, 2)
            }
        }
    }

    /// One `opentelemetry.proto.common.v1.KeyValue` as field `field`.
    mutating func keyValue(_ field: Int, _ key: String, _ value: AttributeValue) {
        if case .double(let number) = value, !number.isFinite { return }
        message(field) { kv in
            kv.string(1, key)
            kv.message(2) { $0.anyValue(value) }
        }
    }

    /// `AnyValue`: a `oneof`, so zero values are written too (presence is the point).
    mutating func anyValue(_ value: AttributeValue) {
        switch value {
        case .string(let text): string(1, text, always: true)
        case .bool(let flag):
            key(2, .varint)
            varint(flag ? 1 : 0)
        case .int(let number):
            key(3, .varint)
            varint(UInt64(bitPattern: Int64(number)))
        case .double(let number): double(4, number, always: true)
        case .strings(let list):
            message(5) { array in
                for item in list { array.message(1) { $0.string(1, item, always: true) } }
            }
        }
    }
}

/// Bytes of a hex id (`"4bf9…"`); characters that are not hex digits count as zero, so a malformed id still
/// has the right length.
func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(hex.utf8.count / 2)
    var high: UInt8? = nil
    for c in hex.utf8 {
        let nibble: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = c - UInt8(ascii: "A") + 10
        default: nibble = 0
        }
        if let h = high {
            out.append(h << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    return out
}
