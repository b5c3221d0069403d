#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address as raw bytes (4 or 16). IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is read as IPv4, so
/// one client looks the same whichever socket family nginx used.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public let bytes: [UInt8]

    /// Parses the text form (`203.0.113.7`, `2001:db8::1`, `[2001:db8::1]`); `nil` when it is not an address.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if text.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &raw) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                self.bytes = Array(bytes[12..<16])
            } else {
                self.bytes = bytes
            }
        } else {
            var raw = in_addr()
            guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &raw) { Array($0) }
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    public var isIPv4: Bool { bytes.count == 4 }

    /// Loopback, private, link-local, carrier-grade NAT, unique-local, unspecified: no geo data exists for these,
    /// so they are not looked up (an unknown location, not an error).
    public var isPrivate: Bool {
        Self.privateRanges.contains { $0.contains(self) }
    }

    /// The network kept when addresses are truncated: IPv4 /24, IPv6 /48, in CIDR notation.
    public var truncatedNetwork: String {
        var kept = bytes
        let prefix = isIPv4 ? 24 : 48
        for index in (prefix / 8)..<kept.count { kept[index] = 0 }
        return IPAddress(bytes: kept).description + "/\(prefix)"
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var raw = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static let privateRanges: [AddressRange] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "::/128", "::1/128", "fc00::/7", "fe80::/10",
    ].compactMap { AddressRange($0) }
}
