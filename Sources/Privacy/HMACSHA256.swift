/// HMAC-SHA256 (RFC 2104) over `SHA256`: a keyed hash, so a stored digest of a prompt cannot be confirmed by
/// hashing guesses without the operator's key.
public struct HMACSHA256: Sendable {
    private let innerPad: [UInt8]
    private let outerPad: [UInt8]

    /// A MAC keyed with `key`; keys longer than the 64-byte block are hashed first, as RFC 2104 says.
    public init(key: [UInt8]) {
        var block = key.count > 64 ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        innerPad = block.map { $0 ^ 0x36 }
        outerPad = block.map { $0 ^ 0x5c }
    }

    /// The 32-byte MAC of `message`.
    public func authenticationCode<S: Sequence>(for message: S) -> [UInt8] where S.Element == UInt8 {
        var inner = SHA256()
        inner.update(innerPad)
        inner.update(message)
        let innerDigest = inner.finalize()
        var outer = SHA256()
        outer.update(outerPad)
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// Lower-case hexadecimal of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
