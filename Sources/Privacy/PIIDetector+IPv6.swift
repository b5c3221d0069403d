extension PIIDetector {
    /// IPv6 addresses: maximal runs of hex digits, `:` and `.` (for an embedded IPv4 tail) that parse as 8
    /// groups, or fewer with one `::`. Times (`12:30:45`), ratios and MAC addresses (6 groups) do not parse.
    func ipv6Candidates(_ v: UnsafeBufferPointer<UInt32>, into out: inout [Candidate]) {
        let n = v.count
        var i = 0
        while i < n {
            let c = v[i]
            guard Self.isHex(c) || c == 0x3A else {
                i += 1
                continue
            }
            if i > 0, CharacterFolding.isAlphanumeric(v[i - 1]) || v[i - 1] == 0x3A || v[i - 1] == 0x5F {
                while i < n, Self.isHex(v[i]) || v[i] == 0x3A { i += 1 }
                continue
            }
            var j = i
            var colons = 0
            while j < n, j - i < 64, Self.isHex(v[j]) || v[j] == 0x3A || v[j] == 0x2E {
                if v[j] == 0x3A { colons += 1 }
                j += 1
            }
            var upper = j
            // A sentence may end right after the address: "… is fe80::1." or "fe80::1:".
            while upper > i, v[upper - 1] == 0x2E { upper -= 1 }
            if upper > i + 1, v[upper - 1] == 0x3A, v[upper - 2] != 0x3A { upper -= 1 }
            let followedByWord = upper < n && (CharacterFolding.isAlphanumeric(v[upper]) || v[upper] == 0x5F)
            if colons >= 2, !followedByWord, Self.isIPv6(v, i, upper) {
                out.append(Candidate(kind: .ipAddress, lower: i, upper: upper))
            }
            i = max(j, i + 1)
        }
    }

    private static func isHex(_ c: UInt32) -> Bool {
        CharacterFolding.isDigit(c) || (c | 0x20) &- 0x61 < 6
    }

    private static func isIPv6(_ v: UnsafeBufferPointer<UInt32>, _ lower: Int, _ upper: Int) -> Bool {
        var groups = 0
        var compressed = false
        var i = lower
        if upper - lower >= 2, v[i] == 0x3A {
            guard v[i + 1] == 0x3A else { return false }
            compressed = true
            i += 2
        }
        while i < upper {
            var j = i
            var hasDot = false
            while j < upper, v[j] != 0x3A {
                if v[j] == 0x2E { hasDot = true }
                j += 1
            }
            let length = j - i
            if hasDot {
                // An embedded IPv4 tail (::ffff:192.0.2.1) must come last and counts as two groups.
                guard j == upper, isDottedQuad(v, i, j) else { return false }
                groups += 2
            } else {
                guard (1...4).contains(length) else { return false }
                groups += 1
            }
            if j == upper { break }
            // j is at ':'; a second ':' right after is the one allowed compression.
            if j + 1 < upper, v[j + 1] == 0x3A {
                guard !compressed else { return false }
                compressed = true
                i = j + 2
                if i == upper { break }
                guard v[i] != 0x3A else { return false }
            } else {
                guard j + 1 < upper else { return false }
                i = j + 1
            }
        }
        return compressed ? (1...7).contains(groups) && upper - lower >= 3 : groups == 8
    }

    private static func isDottedQuad(_ v: UnsafeBufferPointer<UInt32>, _ lower: Int, _ upper: Int) -> Bool {
        var parts = 0
        var value = 0
        var length = 0
        for i in lower..<upper {
            let c = v[i]
            if c == 0x2E {
                guard length > 0 else { return false }
                parts += 1
                value = 0
                length = 0
            } else {
                guard CharacterFolding.isDigit(c) else { return false }
                value = value * 10 + Int(c - 0x30)
                length += 1
                guard value <= 255, length <= 3 else { return false }
            }
        }
        return length > 0 && parts == 3
    }
}
