extension RUMSettings.AddressStorage: Decodable {}

extension RUMSettings: Decodable {
    public init(from decoder: Decoder) throws {
        let object = try StrictObject(
            decoder,
            allowed: [
                "enabled", "sample_rate", "respect_privacy_signals", "geo_database", "trusted_proxies",
                "address_storage", "max_events_per_batch", "rate_per_second", "burst",
            ])
        let defaults = RUMSettings()
        self.init(
            enabled: try object.value("enabled", default: defaults.enabled),
            sampleRate: try object.value("sample_rate", default: defaults.sampleRate),
            respectPrivacySignals: try object.value("respect_privacy_signals", default: defaults.respectPrivacySignals),
            geoDatabase: try object.optional("geo_database"),
            trustedProxies: try object.value("trusted_proxies", default: defaults.trustedProxies),
            addressStorage: try object.value("address_storage", default: defaults.addressStorage),
            maxEventsPerBatch: try object.value("max_events_per_batch", default: defaults.maxEventsPerBatch),
            ratePerSecond: try object.value("rate_per_second", default: defaults.ratePerSecond),
            burst: try object.value("burst", default: defaults.burst))
    }
}
