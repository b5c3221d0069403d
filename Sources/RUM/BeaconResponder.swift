import FastCGI
import KagamiConfig
import Storage
import Telemetry

/// Answers `POST /rum`: validates the beacon, enriches the valid events and hands them to the store.
///
/// `204` when every event was accepted (and handed to the store: a store queue that stays full for
/// ``RUMEventSink`` 's wait answers `503` with `Retry-After` instead, so nothing answered 204 is dropped later); `400` with `{"error", "rejected": [{index, reason}], "accepted"}` when
/// some or all were refused (the valid ones are stored anyway); `405`, `413`, `415` for the wrong method, a body
/// over the limit and a content type other than `text/plain` (what `sendBeacon` sends for a string) or
/// `application/json`. Nothing is written to disk on the request thread.
public struct BeaconResponder: Responder {
    public let schema: BeaconSchema
    public let enricher: BeaconEnricher
    public let sink: any RUMEventSink
    /// `rum.enabled`: when false, beacons are answered 204 and dropped (stale pages may still send some).
    public let enabled: Bool
    let clock: @Sendable () -> UInt64

    public init(
        schema: BeaconSchema, enricher: BeaconEnricher, sink: any RUMEventSink, enabled: Bool = true,
        clock: @escaping @Sendable () -> UInt64 = wallClockNanoseconds
    ) {
        self.schema = schema
        self.enricher = enricher
        self.sink = sink
        self.enabled = enabled
        self.clock = clock
    }

    public func respond(to request: HTTPRequest, writer: any ResponseWriter) {
        let receivedNs = clock()
        guard request.method == "POST" else {
            return send(
                writer, BeaconError(status: 405, code: "method_not_allowed", message: "beacons are sent with POST"),
                extraHeaders: [("Allow", "POST")])
        }
        guard !request.bodyExceedsLimit else {
            return send(
                writer,
                BeaconError(status: 413, code: "body_too_large", message: "a beacon must be smaller than 64 KiB"))
        }
        guard let mediaType = request.mediaType, mediaType == "text/plain" || mediaType == "application/json" else {
            return send(
                writer,
                BeaconError(
                    status: 415, code: "unsupported_media_type",
                    message: "send the beacon as text/plain (or application/json)"))
        }
        let batch: BeaconBatch
        do {
            batch = try schema.validate(request.body, receivedNs: receivedNs)
        } catch {
            return send(writer, error)
        }
        // A full store queue is said out loud (503, Retry-After) instead of answering 204 and dropping the
        // events later: an accepted beacon is a stored beacon.
        if enabled && !batch.events.isEmpty && !sink.store(enricher.enrich(batch, request: request)) {
            return send(
                writer,
                BeaconError(
                    status: 503, code: "store_busy", message: "the telemetry store is behind; retry in a second"),
                extraHeaders: [("Retry-After", "1")])
        }
        guard !batch.rejected.isEmpty else {
            try? writer.start(status: 204, headers: [("Cache-Control", "no-store")])
            return
        }
        let total = batch.events.count + batch.rejected.count
        let rejected = batch.rejected.map {
            JSONText.object([("index", .int($0.index)), ("reason", .string($0.reason))])
        }
        let error = JSONText.object([
            ("code", .string("invalid_events")),
            ("message", .string("\(batch.rejected.count) of \(total) events were rejected; the others were kept")),
        ])
        let body =
            "{\"error\":\(error),\"rejected\":[\(rejected.joined(separator: ","))],\"accepted\":\(batch.events.count)}"
        write(writer, status: 400, body: body, extraHeaders: [])
    }

    private func send(_ writer: any ResponseWriter, _ error: BeaconError, extraHeaders: [(String, String)] = []) {
        let detail = JSONText.object([("code", .string(error.code)), ("message", .string(error.message))])
        write(
            writer, status: error.status, body: "{\"error\":\(detail),\"rejected\":[],\"accepted\":0}",
            extraHeaders: extraHeaders)
    }

    private func write(_ writer: any ResponseWriter, status: Int, body: String, extraHeaders: [(String, String)]) {
        do {
            try writer.start(
                status: status,
                headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + extraHeaders)
            try writer.write(body + "\n")
        } catch {
            // The browser left (sendBeacon never reads the answer): nothing to do.
        }
    }
}
