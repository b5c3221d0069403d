/// Where an address is, as far as the geo database knows. Empty fields mean unknown.
public struct GeoLocation: Sendable, Equatable {
    /// ISO 3166-1 alpha-2 (`JP`).
    public var country: String?
    /// First subdivision's English name (`Tokyo`).
    public var region: String?
    /// English city name.
    public var city: String?

    public init(country: String? = nil, region: String? = nil, city: String? = nil) {
        self.country = country
        self.region = region
        self.city = city
    }

    /// Nothing known.
    public static let unknown = GeoLocation()
}
