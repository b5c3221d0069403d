extension PIIDetector {
    /// Key prefixes that identify a credential by themselves, with the minimum length of what follows.
    private static let keyPrefixes: [(prefix: [UInt32], minimumBody: Int)] = [
        ("sk-", 20), ("sk_live_", 16), ("sk_test_", 16), ("rk_live_", 16), ("pk_live_", 16),
        ("ghp_", 20), ("gho_", 20), ("ghu_", 20), ("ghs_", 20), ("ghr_", 20), ("github_pat_", 20),
        ("glpat-", 20), ("xoxb-", 10), ("xoxp-", 10), ("xoxa-", 10), ("xoxr-", 10), ("xoxs-", 10),
        ("hf_", 30),
    ].map { (Array($0.0.unicodeScalars.map(\.value)), $0.1) }

    /// Identifier endings that announce a secret value after `=` or `:` (`api_key=`, `"access_token": "`).
    private static let secretNames: [[UInt32]] = ["key", "token", "secret", "password", "passwd", "pwd"].map {
        Array($0.unicodeScalars.map(\.value))
    }

    /// API keys and tokens: well-known prefixes (`sk-`, `ghp_`, `github_pat_`, `xoxb-`, `AKIA…`, `AIza…`), JWTs
    /// (`eyJ….eyJ….…`), and long random-looking values after `key=`/`token=`/`secret=`/`password=` (or `:`)
    /// and `Bearer`. Random-looking means letters and digits mixed with many distinct characters, which keeps
    /// `token=2024-12-01` or `sk-learn-is-great` out.
    func secretCandidates(_ v: UnsafeBufferPointer<UInt32>, into out: inout [Candidate]) {
        let n = v.count
        var i = 0
        while i < n {
            guard Self.isTokenCharacter(v[i]) else {
                i += 1
                continue
            }
            var j = i
            while j < n, Self.isTokenCharacter(v[j]) { j += 1 }
            if i > 0, v[i - 1] == 0x2F || v[i - 1] == 0x2E {
                i = j  // part of a path or domain, not a token start
                continue
            }
            if let candidate = prefixedKey(v, i, j) ?? jsonWebToken(v, i, j) ?? namedSecret(v, i, j) {
                out.append(candidate)
                i = max(j, candidate.upper)
            } else {
                i = j
            }
        }
    }

    private func prefixedKey(_ v: UnsafeBufferPointer<UInt32>, _ i: Int, _ j: Int) -> Candidate? {
        let length = j - i
        for (prefix, minimumBody) in Self.keyPrefixes where length >= prefix.count + minimumBody {
            if Self.hasPrefix(v, i, prefix), Self.looksRandom(v, i + prefix.count, j) {
                return Candidate(kind: .apiKey, lower: i, upper: j)
            }
        }
        // AWS access key ids: AKIA/ASIA + 16 upper-case letters or digits, exactly.
        if length == 20,
            Self.hasPrefix(v, i, [0x41, 0x4B, 0x49, 0x41]) || Self.hasPrefix(v, i, [0x41, 0x53, 0x49, 0x41])
        {
            var valid = true
            for k in (i + 4)..<j where !(CharacterFolding.isDigit(v[k]) || (0x41...0x5A).contains(v[k])) {
                valid = false
            }
            if valid { return Candidate(kind: .apiKey, lower: i, upper: j) }
        }
        // Google API keys: AIza + 35 characters.
        if length >= 35, Self.hasPrefix(v, i, [0x41, 0x49, 0x7A, 0x61]), Self.looksRandom(v, i + 4, j) {
            return Candidate(kind: .apiKey, lower: i, upper: j)
        }
        return nil
    }

    /// `eyJ<header>.eyJ<payload>.<signature>`: base64url JSON objects; the signature may be empty (alg none).
    private func jsonWebToken(_ v: UnsafeBufferPointer<UInt32>, _ i: Int, _ j: Int) -> Candidate? {
        let eyJ: [UInt32] = [0x65, 0x79, 0x4A]
        let n = v.count
        guard j - i >= 10, Self.hasPrefix(v, i, eyJ), j < n, v[j] == 0x2E else { return nil }
        var k = j + 1
        guard k < n, Self.hasPrefix(v, k, eyJ) else { return nil }
        while k < n, Self.isTokenCharacter(v[k]) { k += 1 }
        guard k - (j + 1) >= 10, k < n, v[k] == 0x2E else { return nil }
        k += 1
        while k < n, Self.isTokenCharacter(v[k]) { k += 1 }
        return Candidate(kind: .apiKey, lower: i, upper: k)
    }

    /// A value after a secret-announcing name (`api_key=`, `"token": "`, `Authorization: Bearer `). Values after
    /// `key`/`token` must look random; after `password`/`secret`/`Bearer`, 6+ characters with a non-letter do.
    private func namedSecret(_ v: UnsafeBufferPointer<UInt32>, _ i: Int, _ j: Int) -> Candidate? {
        let n = v.count
        var k = j
        // Names that announce a credential by themselves take shorter values (with a digit or symbol).
        var isExplicit = false
        if Self.equalsIgnoringCase(v, i, j, "bearer") {
            isExplicit = true
            guard k < n, v[k] == 0x20 else { return nil }
            while k < n, v[k] == 0x20, k - j < 4 { k += 1 }
        } else {
            guard let name = Self.secretNames.first(where: { Self.hasSuffixIgnoringCase(v, i, j, $0) }) else {
                return nil
            }
            isExplicit = name[0] == 0x70 || name[0] == 0x73  // password, passwd, pwd, secret
            while k < n, k - j < 3, v[k] == 0x22 || v[k] == 0x27 || v[k] == 0x20 { k += 1 }
            guard k < n, v[k] == 0x3D || v[k] == 0x3A else { return nil }
            k += 1
            let valueSearch = k
            while k < n, k - valueSearch < 3, v[k] == 0x22 || v[k] == 0x27 || v[k] == 0x20 { k += 1 }
        }
        let lower = k
        while k < n, Self.isValueCharacter(v[k]) { k += 1 }
        var upper = k
        while upper > lower, v[upper - 1] == 0x2E || v[upper - 1] == 0x2C { upper -= 1 }
        let length = upper - lower
        let explicitValue =
            isExplicit && length >= 6 && (lower..<upper).contains { !CharacterFolding.isLetter(v[$0]) }
        guard explicitValue || (length >= 16 && Self.looksRandom(v, lower, upper)) else { return nil }
        return Candidate(kind: .apiKey, lower: lower, upper: upper)
    }

    /// Letters and digits mixed, with many distinct characters: a key, not a word or a date. All-hex values
    /// of 24+ characters also count (hex digests and tokens).
    private static func looksRandom(_ v: UnsafeBufferPointer<UInt32>, _ lower: Int, _ upper: Int) -> Bool {
        var letters = 0
        var digits = 0
        var allHex = true
        var seen: (UInt64, UInt64) = (0, 0)
        var longestSegment = 0
        var segment = 0
        for k in lower..<upper {
            let c = v[k]
            if CharacterFolding.isDigit(c) {
                digits += 1
            } else if CharacterFolding.isLetter(c) {
                letters += 1
                if (c | 0x20) > 0x66 { allHex = false }
            } else {
                allHex = false
            }
            if CharacterFolding.isAlphanumeric(c) {
                segment += 1
                longestSegment = max(longestSegment, segment)
            } else {
                segment = 0
            }
            if c < 64 { seen.0 |= 1 << UInt64(c) } else if c < 128 { seen.1 |= 1 << UInt64(c - 64) }
        }
        let length = upper - lower
        let distinct = seen.0.nonzeroBitCount + seen.1.nonzeroBitCount
        if allHex, length >= 24, digits > 0, letters > 0 { return true }
        return letters >= 4 && digits >= 2 && longestSegment >= 12 && distinct >= min(12, length / 2)
    }

    private static func isTokenCharacter(_ c: UInt32) -> Bool {
        CharacterFolding.isAlphanumeric(c) || c == 0x5F || c == 0x2D
    }

    private static func isValueCharacter(_ c: UInt32) -> Bool {
        CharacterFolding.isAlphanumeric(c) || c == 0x5F || c == 0x2D || c == 0x2B || c == 0x2F || c == 0x3D
            || c == 0x2E || c == 0x7E
    }

    private static func hasPrefix(_ v: UnsafeBufferPointer<UInt32>, _ i: Int, _ prefix: [UInt32]) -> Bool {
        guard i + prefix.count <= v.count else { return false }
        for (offset, c) in prefix.enumerated() where v[i + offset] != c { return false }
        return true
    }

    private static func hasSuffixIgnoringCase(
        _ v: UnsafeBufferPointer<UInt32>, _ i: Int, _ j: Int, _ suffix: [UInt32]
    ) -> Bool {
        guard j - i >= suffix.count else { return false }
        let start = j - suffix.count
        for (offset, c) in suffix.enumerated() where CharacterFolding.foldLowercased(v[start + offset]) != c {
            return false
        }
        return true
    }

    private static func equalsIgnoringCase(
        _ v: UnsafeBufferPointer<UInt32>, _ i: Int, _ j: Int, _ word: String
    ) -> Bool {
        let scalars = word.unicodeScalars
        guard j - i == scalars.count else { return false }
        for (offset, s) in scalars.enumerated() where CharacterFolding.foldLowercased(v[i + offset]) != s.value {
            return false
        }
        return true
    }
}
