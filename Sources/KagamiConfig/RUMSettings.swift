/// Real user monitoring: the page's RUM script and the RUMBeacon handler.
public struct RUMSettings: Sendable, Equatable {
    /// What happens to the client address after geo lookup.
    public enum AddressStorage: String, Sendable, Equatable, CaseIterable {
        /// Keep nothing (default).
        case drop
        /// Keep the network only: IPv4 /24, IPv6 /48, in the event's attributes (`client_net`).
        case truncate
    }

    /// Inline the RUM script into the page and accept beacons. Default true; `false` is the off switch
    /// (SiteGen then leaves the script out).
    public var enabled: Bool
    /// Share of browser sessions that report, 0…1, decided once per session in the browser. Default 1.
    public var sampleRate: Double
    /// Browsers that send Do-Not-Track (`DNT: 1`) or Global Privacy Control report nothing. Default true.
    public var respectPrivacySignals: Bool
    /// `.mmdb` file for geo (MaxMind format: DB-IP Lite, GeoLite2). Default: `KAGAMI_GEO_DB`, else
    /// `$KAGAMI_CACHE/geo/dbip-city-lite.mmdb` (DB-IP City Lite, CC BY 4.0: "IP Geolocation by DB-IP");
    /// `""` turns geo off.
    public var geoDatabase: String?
    /// Proxies (CIDRs such as `10.0.0.0/8`, `::1/128`) whose `X-Forwarded-For` is believed. Default: none, so the
    /// client address is the peer nginx saw.
    public var trustedProxies: [String]
    /// `drop` (default) or `truncate` (IPv4 /24, IPv6 /48). The full address is never stored.
    public var addressStorage: AddressStorage
    /// Most events accepted in one beacon; a larger batch is refused whole. Default 200.
    public var maxEventsPerBatch: Int
    /// Beacons per second per client address in nginx (`0` = no limit). Default 20.
    public var ratePerSecond: Int
    /// Beacons above the rate before nginx answers 429. Default 50.
    public var burst: Int

    public init(
        enabled: Bool = true, sampleRate: Double = 1, respectPrivacySignals: Bool = true, geoDatabase: String? = nil,
        trustedProxies: [String] = [], addressStorage: AddressStorage = .drop, maxEventsPerBatch: Int = 200,
        ratePerSecond: Int = 20, burst: Int = 50
    ) {
        self.enabled = enabled
        self.sampleRate = sampleRate
        self.respectPrivacySignals = respectPrivacySignals
        self.geoDatabase = geoDatabase
        self.trustedProxies = trustedProxies
        self.addressStorage = addressStorage
        self.maxEventsPerBatch = maxEventsPerBatch
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    /// Problems with these settings, each naming its key under `rum.`.
    func problems() -> [ConfigError] {
        var problems: [ConfigError] = []
        func check(_ condition: Bool, _ key: String, _ message: String) {
            if !condition { problems.append(ConfigError(keyPath: "rum." + key, message: message)) }
        }
        check(sampleRate >= 0 && sampleRate <= 1, "sample_rate", "must be 0…1")
        check((1...1000).contains(maxEventsPerBatch), "max_events_per_batch", "must be 1…1000")
        check((0...100_000).contains(ratePerSecond), "rate_per_second", "must be 0…100000")
        check((0...100_000).contains(burst), "burst", "must be 0…100000")
        for (index, cidr) in trustedProxies.enumerated() where !Self.isCIDR(cidr) {
            problems.append(
                ConfigError(
                    keyPath: "rum.trusted_proxies[\(index)]",
                    message: "\"\(cidr)\" is not a CIDR (e.g. 10.0.0.0/8, 192.0.2.7/32, fd00::/8)"))
        }
        return problems
    }

    /// `a.b.c.d/N` (N ≤ 32) or an IPv6 address `/N` (N ≤ 128); a bare address means the single host.
    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = parts.first, !address.isEmpty else { return false }
        let isV6 = address.contains(":")
        if isV6 {
            guard address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
        } else {
            let octets = address.split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4, octets.allSatisfy({ Int($0).map { (0...255).contains($0) } ?? false }) else {
                return false
            }
        }
        if parts.count == 2 {
            guard let bits = Int(parts[1]), bits >= 0, bits <= (isV6 ? 128 : 32) else { return false }
        }
        return true
    }
}
