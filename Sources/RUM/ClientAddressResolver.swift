/// Decides which address a beacon came from.
///
/// `X-Forwarded-For` is whatever the client wrote unless the peer is one of our own proxies, so it is read only
/// when the peer (`REMOTE_ADDR`, the address nginx saw) is in ``trustedProxies``. Then the list is walked from
/// the right — each proxy appends the address it saw — skipping our proxies; the first address that is not ours
/// is the client. Anything unparsable in the chain stops the walk at the last trustworthy hop.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [AddressRange]

    public init(trustedProxies: [AddressRange]) {
        self.trustedProxies = trustedProxies
    }

    /// The client's address, or `nil` when even the peer address is missing or unparsable.
    public func clientAddress(remoteAddress: String?, forwardedFor: String?) -> IPAddress? {
        guard let peerText = remoteAddress, let peer = IPAddress(peerText) else { return nil }
        guard isTrusted(peer), let forwardedFor, !forwardedFor.isEmpty else { return peer }
        var client = peer
        for hop in forwardedFor.split(separator: ",").reversed().prefix(32) {
            guard let address = IPAddress(hop.trimmingCharacters(" \t")) else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client
    }

    private func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(_ set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return s
    }
}
