extension PIIDetector {
    /// Separator kinds between digit groups, as a bit set.
    private enum Separator {
        static let space: UInt8 = 1
        static let dash: UInt8 = 2
        static let dot: UInt8 = 4
        static let paren: UInt8 = 8
    }

    /// One run of consecutive digits inside a number-like run.
    private struct DigitGroup {
        var start: Int
        var end: Int
        var firstDigit: Int
        var count: Int
    }

    /// Phone numbers, cards, My Numbers, postal codes and IPv4 addresses.
    ///
    /// A "number run" is digit groups joined by short separators (space, hyphen, dot, parentheses), optionally
    /// led by `+`, `(` or `〒`. Each run is split into its groups and the longest prefix of groups that forms a
    /// known shape is taken; matching restarts only after a space, so `2024-12-01` is never read as pieces.
    /// A run that follows a letter, digit, `.`, `,`, `/`, `-`, `_`, `@` or a currency sign is not a start:
    /// that is what keeps `v1.2.3`, `¥1,200`, `$3,000`, `2024/12/01` and identifiers out.
    func numberCandidates(_ v: UnsafeBufferPointer<UInt32>, into out: inout [Candidate]) {
        let n = v.count
        var digits: [UInt8] = []
        var groups: [DigitGroup] = []
        var separators: [UInt8] = []
        var i = 0
        while i < n {
            let c = v[i]
            var pos = i
            var plus = false
            var postal = false
            var afterSlash = false
            if c == 0x3012 {  // 〒
                postal = true
                pos = i + 1
                while pos < n, v[pos] == 0x20, pos - i < 3 { pos += 1 }
                guard pos < n, CharacterFolding.isDigit(v[pos]) else {
                    i += 1
                    continue
                }
            } else if CharacterFolding.isDigit(c)
                || ((c == 0x2B || c == 0x28) && i + 1 < n && CharacterFolding.isDigit(v[i + 1]))
            {
                if i > 0 {
                    let previous = v[i - 1]
                    if previous == 0x2F {
                        afterSlash = true  // URL hosts (http://10.0.0.1/) but not dates (2024/12/01)
                    } else if Self.blocksNumberStart(previous) {
                        i += 1
                        while i < n, CharacterFolding.isAlphanumeric(v[i]) { i += 1 }
                        continue
                    }
                }
                if c == 0x2B {
                    plus = true
                    pos = i + 1
                } else if c == 0x28 {
                    pos = i + 1
                }
            } else {
                i += 1
                continue
            }

            digits.removeAll(keepingCapacity: true)
            groups.removeAll(keepingCapacity: true)
            separators.removeAll(keepingCapacity: true)
            while true {
                let start = pos
                let first = digits.count
                while pos < n, CharacterFolding.isDigit(v[pos]), pos - start < 24 {
                    digits.append(UInt8(v[pos] - 0x30))
                    pos += 1
                }
                groups.append(DigitGroup(start: start, end: pos, firstDigit: first, count: pos - start))
                if groups.count >= 12 { break }
                var s = pos
                var kinds: UInt8 = 0
                while s < n, s - pos < 3, let kind = Self.separatorKind(v[s]) {
                    kinds |= kind
                    s += 1
                }
                guard s > pos, s < n, CharacterFolding.isDigit(v[s]) else { break }
                separators.append(kinds)
                pos = s
            }
            let runEnd = groups[groups.count - 1].end
            matchGroups(
                v, start: i, groups: groups, separators: separators, digits: digits, plus: plus, postal: postal,
                afterSlash: afterSlash, into: &out)
            // Skip the whole digit tail so a too-long group is not re-read from its middle.
            var next = max(runEnd, i + 1)
            while next < n, CharacterFolding.isDigit(v[next]) { next += 1 }
            i = next
        }
    }

    private func matchGroups(
        _ v: UnsafeBufferPointer<UInt32>, start: Int, groups: [DigitGroup], separators: [UInt8], digits: [UInt8],
        plus: Bool, postal: Bool, afterSlash: Bool, into out: inout [Candidate]
    ) {
        var s = 0
        while s < groups.count {
            if s > 0, separators[s - 1] != Separator.space {
                s += 1
                continue
            }
            var matched = false
            var k = min(8, groups.count - s)
            while k >= 1 {
                let e = s + k
                defer { k -= 1 }
                if e < groups.count, separators[e - 1] != Separator.space { continue }
                // Groups of four followed by another short group are one number written in blocks (a card that
                // failed Luhn), not a My Number plus a stray group.
                if e < groups.count, groups[e].count <= 4, groups[s..<e].allSatisfy({ $0.count == 4 }) { continue }
                let upper = groups[e - 1].end
                if upper < v.count, Self.blocksNumberEnd(v[upper]) { continue }
                guard
                    let kind = classify(
                        groups[s..<e], separators: separators[s..<(e - 1)], digits: digits,
                        plus: plus && s == 0, postal: postal && s == 0, ipOnly: afterSlash && s == 0)
                else { continue }
                out.append(Candidate(kind: kind, lower: s == 0 ? start : groups[s].start, upper: upper))
                s = e
                matched = true
                break
            }
            if !matched { s += 1 }
        }
    }

    private func classify(
        _ groups: ArraySlice<DigitGroup>, separators: ArraySlice<UInt8>, digits: [UInt8], plus: Bool, postal: Bool,
        ipOnly: Bool
    ) -> PIIKind? {
        let first = groups[groups.startIndex]
        let last = groups[groups.endIndex - 1]
        let number = digits[first.firstDigit..<(last.firstDigit + last.count)]
        let total = number.count
        let k = groups.count
        let counts = groups.map(\.count)
        let kinds = separators.reduce(UInt8(0)) { $0 | $1 }
        let lead = number[number.startIndex]

        if k == 4, kinds == Separator.dot, isIPv4(groups, digits: digits) { return .ipAddress }
        if ipOnly { return nil }
        if plus {
            // E.164: country code + subscriber number, 9–15 digits in all; a bare run needs 10+.
            guard kinds & Separator.dot == 0 || kinds == Separator.dot else { return nil }
            if k == 1 { return (10...15).contains(total) ? .phone : nil }
            return (9...15).contains(total) && counts[0] <= 3 ? .phone : nil
        }
        if postal {
            return (k == 1 && total == 7) || (k == 2 && counts == [3, 4] && kinds == Separator.dash)
                ? .postalCode : nil
        }
        if kinds == Separator.dot {
            // Dotted North American numbers (415.555.2671); any other dotted shape is a version or a decimal.
            return k == 3 && counts == [3, 3, 4] && lead >= 2 ? .phone : nil
        }
        if kinds & Separator.dot != 0 { return nil }
        if k == 2, counts == [3, 4], kinds == Separator.dash { return .postalCode }
        if total == 12, k == 1 || counts == [4, 4, 4], kinds & Separator.paren == 0,
            CheckDigits.myNumberIsValid(number)
        {
            return .myNumber
        }
        if (13...19).contains(total), (2...6).contains(lead), kinds & Separator.paren == 0,
            kinds != (Separator.space | Separator.dash), isCardGrouping(counts), CheckDigits.luhnIsValid(number)
        {
            return .card
        }
        if lead == 0, (10...11).contains(total), number[number.startIndex + 1] != 0 {
            if k == 1 { return .phone }
            if k == 3, (2...5).contains(counts[0]), (1...4).contains(counts[1]), (3...4).contains(counts[2]) {
                return .phone
            }
        }
        // North American numbers need a hyphen or parentheses: three space-separated numbers are too often
        // just numbers.
        if k == 3, counts == [3, 3, 4], lead >= 2, kinds != Separator.space { return .phone }
        return nil
    }

    private func isCardGrouping(_ counts: [Int]) -> Bool {
        if counts.count == 1 { return true }
        if counts == [4, 6, 5] || counts == [4, 6, 4] { return true }
        guard counts.count >= 4 else { return false }
        return counts.dropLast().allSatisfy { $0 == 4 } && (1...4).contains(counts[counts.count - 1])
    }

    private func isIPv4(_ groups: ArraySlice<DigitGroup>, digits: [UInt8]) -> Bool {
        for group in groups {
            guard (1...3).contains(group.count) else { return false }
            if group.count > 1, digits[group.firstDigit] == 0 { return false }
            var value = 0
            for d in digits[group.firstDigit..<(group.firstDigit + group.count)] { value = value * 10 + Int(d) }
            if value > 255 { return false }
        }
        return true
    }

    private static func separatorKind(_ c: UInt32) -> UInt8? {
        switch c {
        case 0x20: Separator.space
        case 0x2D: Separator.dash
        case 0x2E: Separator.dot
        case 0x28, 0x29: Separator.paren
        default: nil
        }
    }

    /// Characters that, right before a digit, mean the digits belong to something else (an identifier, a
    /// decimal, a list of thousands, a path or date, a price).
    private static func blocksNumberStart(_ c: UInt32) -> Bool {
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x2E, 0x2C, 0x2D, 0x5F, 0x40, 0x5C, 0x24, 0x23, 0xA5, 0xA3, 0x20AC: true  // . , - _ @ \ $ # ¥ £ €
        default: false
        }
    }

    /// Characters that, right after the last digit, mean the number continues as something else.
    private static func blocksNumberEnd(_ c: UInt32) -> Bool {
        CharacterFolding.isAlphanumeric(c) || c == 0x5F || c == 0x40
    }
}
