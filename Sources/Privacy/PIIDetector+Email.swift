extension PIIDetector {
    /// E-mail addresses, anchored on each `@`: the local part is read backwards (at most 64 characters, as
    /// RFC 5321 allows) and the domain forwards; the domain needs a dot and an alphabetic TLD of 2+ letters,
    /// which leaves `@mentions`, `npm @scope/pkg` and `user@localhost` alone.
    func emailCandidates(_ v: UnsafeBufferPointer<UInt32>, into out: inout [Candidate]) {
        let n = v.count
        for at in 0..<n where v[at] == 0x40 {
            var lower = at
            while lower > 0, at - lower < 64, Self.isLocalPart(v[lower - 1]) { lower -= 1 }
            while lower < at, v[lower] == 0x2E { lower += 1 }
            guard lower < at else { continue }
            var upper = at + 1
            var labelLength = 0
            while upper < n, upper - at <= 253 {
                let c = v[upper]
                if c == 0x2E {
                    if labelLength == 0 { break }
                    labelLength = 0
                } else if CharacterFolding.isAlphanumeric(c) || c == 0x2D {
                    labelLength += 1
                } else {
                    break
                }
                upper += 1
            }
            while upper > at + 1, v[upper - 1] == 0x2E || v[upper - 1] == 0x2D { upper -= 1 }
            var dot = upper - 1
            while dot > at, v[dot] != 0x2E { dot -= 1 }
            guard dot > at + 1, upper - dot - 1 >= 2 else { continue }
            var alphabeticTLD = true
            for i in (dot + 1)..<upper where !CharacterFolding.isLetter(v[i]) { alphabeticTLD = false }
            guard alphabeticTLD else { continue }
            out.append(Candidate(kind: .email, lower: lower, upper: upper))
        }
    }

    private static func isLocalPart(_ c: UInt32) -> Bool {
        CharacterFolding.isAlphanumeric(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D
    }
}
