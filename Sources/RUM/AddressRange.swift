/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is a single host).
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/bits`; `nil` when either part is invalid.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maxBits = address.bytes.count * 8
        var bits = maxBits
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maxBits).contains(parsed) else { return nil }
            // `::ffff:10.0.0.0/104` was read as IPv4: shift the prefix with it.
            bits = parts[0].contains(":") && address.isIPv4 ? max(0, parsed - 96) : parsed
        }
        network = address
        prefixLength = bits
    }

    /// Whether `address` is inside this network (an IPv4 address is never inside an IPv6 network).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<network.bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address.bytes[index] & mask != network.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
