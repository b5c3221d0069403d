import FastCGI
import KagamiConfig
import Storage
import Telemetry

/// Adds what the server knows to a validated beacon: geo from the client address, browser/OS/device from the
/// page's client hints or the request headers. The address itself is then dropped (or truncated to its /24 or
/// /48 network, when configured) — it never reaches the store.
public struct BeaconEnricher: Sendable {
    public let geo: GeoDatabase?
    public let resolver: ClientAddressResolver
    public let addressStorage: RUMSettings.AddressStorage
    private let devices = UserAgentCache()

    public init(geo: GeoDatabase?, resolver: ClientAddressResolver, addressStorage: RUMSettings.AddressStorage) {
        self.geo = geo
        self.resolver = resolver
        self.addressStorage = addressStorage
    }

    /// The batch's events, each with geo and device filled in.
    public func enrich(_ batch: BeaconBatch, request: HTTPRequest) -> [RUMEvent] {
        // CGI names directly: `request.header(_:)` builds the name per call, and this runs on every beacon.
        let params = request.params
        let address = resolver.clientAddress(
            remoteAddress: params["REMOTE_ADDR"], forwardedFor: params["HTTP_X_FORWARDED_FOR"])
        var location = GeoLocation.unknown
        if let address, let geo, !address.isPrivate { location = geo.lookup(address) }
        var device = devices.device(
            userAgent: params["HTTP_USER_AGENT"], clientHints: params["HTTP_SEC_CH_UA"],
            platformHint: params["HTTP_SEC_CH_UA_PLATFORM"], mobileHint: params["HTTP_SEC_CH_UA_MOBILE"])
        if let reported = batch.client {
            // The page read navigator.userAgentData (full versions, model): more precise than the headers,
            // except that a bot stays a bot.
            device.browser = reported.browser ?? device.browser
            device.os = reported.os ?? device.os
            if device.device != "bot" { device.device = reported.device ?? device.device }
        }
        let network = addressStorage == .truncate ? address?.truncatedNetwork : nil
        return batch.events.map { event in
            var event = event
            event.country = location.country
            event.region = location.region
            event.city = location.city
            event.browser = device.browser
            event.os = device.os
            event.device = device.device
            if let network {
                let field = "\"client_net\":" + JSONText.quote(network)
                event.attributesJSON =
                    event.attributesJSON == "{}"
                    ? "{" + field + "}" : "{" + field + "," + event.attributesJSON.dropFirst()
            }
            return event
        }
    }
}
