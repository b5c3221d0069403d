import KagamiConfig
import Storage

/// Sends chats to `{endpoint}/v1/traces` as OTLP protobuf or JSON.
public struct OTLPTraceTransport: ExportTransport {
    let poster: HTTPPoster
    let url: String
    let encoding: OTLPEncoding
    let encoder: OTLPTraceEncoder
    let mapper: OTLPSpanMapper

    public init(
        endpoint: String, encoding: OTLPEncoding, openinference: Bool, resource: ExportResource, poster: HTTPPoster
    ) {
        self.poster = poster
        self.url = Self.signalURL(endpoint, "traces")
        self.encoding = encoding
        self.encoder = OTLPTraceEncoder(resource: resource)
        self.mapper = OTLPSpanMapper(openinference: openinference)
    }

    /// `{endpoint}/v1/{signal}`; an endpoint that already ends in `/v1/{signal}` is used as is.
    public static func signalURL(_ endpoint: String, _ signal: String) -> String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1/\(signal)") { return base }
        return base + "/v1/\(signal)"
    }

    public func send(_ traces: [ChatTrace], timeoutMs: Int) -> ExportOutcome {
        let spans = traces.flatMap { mapper.spans(of: $0) }
        switch encoding {
        case .protobuf:
            // Phoenix answers 415 to anything but exactly this media type.
            return poster.post(
                url, body: encoder.protobuf(spans), contentType: "application/x-protobuf", timeoutMs: timeoutMs)
        case .json:
            return poster.post(
                url, body: Array(encoder.json(spans).utf8), contentType: "application/json", timeoutMs: timeoutMs)
        }
    }
}
