import Privacy

extension PromptInjectionEvaluator {
    /// Most bytes decoded from all encoded payloads of one prompt together.
    private static let decodeBudget = 16_384

    /// The first encoded payload (base64, hex, `\u`/`\x` escapes) in `text` whose decoded text matches an
    /// injection rule with a score of at least 0.4.
    static func hiddenInstruction(in text: Substring) -> (encoding: String, rules: [PhraseMatcher.Rule])? {
        let bytes = Array(text.utf8)
        var budget = decodeBudget
        if let escaped = decodeEscapes(bytes, budget: &budget), let rules = injectionRules(in: escaped) {
            return ("escape", rules)
        }
        var i = 0
        let n = bytes.count
        while i < n, budget > 0 {
            guard isBase64(bytes[i]) else {
                i += 1
                continue
            }
            var j = i
            while j < n, isBase64(bytes[j]) { j += 1 }
            if j - i >= 24 {
                let run = bytes[i..<j]
                if run.allSatisfy(isHexDigit), run.count % 2 == 0, let decoded = decodeHex(run, budget: &budget),
                    let rules = injectionRules(in: decoded)
                {
                    return ("hex", rules)
                }
                if let decoded = decodeBase64(run, budget: &budget), let rules = injectionRules(in: decoded) {
                    return ("base64", rules)
                }
            }
            i = j
        }
        return nil
    }

    /// Rules matching decoded bytes, if they are mostly printable UTF-8 and score at least 0.4.
    private static func injectionRules(in decoded: [UInt8]) -> [PhraseMatcher.Rule]? {
        guard decoded.count >= 8 else { return nil }
        var values: [UInt32] = []
        var controls = 0
        for scalar in String(decoding: decoded, as: UTF8.self).unicodeScalars {
            if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" || scalar.value == 0xFFFD { controls += 1 }
            values.append(CharacterFolding.foldLowercased(scalar.value))
        }
        guard controls * 5 < values.count else { return nil }
        let rules = rules(in: values)
        return PhraseMatcher.score(rules) >= 0.4 ? rules : nil
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2B, 0x2F, 0x3D, 0x2D, 0x5F: true
        default: false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte | 0x20)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x61 + 10
    }

    private static func decodeHex(_ run: ArraySlice<UInt8>, budget: inout Int) -> [UInt8]? {
        let count = min(run.count / 2, budget)
        guard count > 0 else { return nil }
        budget -= count
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = run.startIndex
        for _ in 0..<count {
            out.append(hexValue(run[i]) << 4 | hexValue(run[i + 1]))
            i += 2
        }
        return out
    }

    /// Standard or URL-safe base64; padding optional; stops at the budget.
    private static func decodeBase64(_ run: ArraySlice<UInt8>, budget: inout Int) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in run {
            let value: UInt32
            switch byte {
            case 0x41...0x5A: value = UInt32(byte - 0x41)
            case 0x61...0x7A: value = UInt32(byte - 0x61 + 26)
            case 0x30...0x39: value = UInt32(byte - 0x30 + 52)
            case 0x2B, 0x2D: value = 62
            case 0x2F, 0x5F: value = 63
            default: continue  // '=' padding
            }
            accumulator = accumulator << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                if out.count >= budget { break }
            }
        }
        budget -= out.count
        return out.isEmpty ? nil : out
    }

    /// The text with `\uXXXX` and `\xXX` escapes decoded, when it has at least 6 of them.
    private static func decodeEscapes(_ bytes: [UInt8], budget: inout Int) -> [UInt8]? {
        var markers = 0
        for i in bytes.indices.dropLast()
        where bytes[i] == 0x5C && (bytes[i + 1] | 0x20 == 0x75 || bytes[i + 1] | 0x20 == 0x78) {
            markers += 1
        }
        guard markers >= 6 else { return nil }
        var escapes = 0
        var out: [UInt8] = []
        var i = 0
        let n = bytes.count
        while i < n, out.count < budget {
            if bytes[i] == 0x5C, i + 1 < n {
                let marker = bytes[i + 1] | 0x20
                let width = marker == 0x75 ? 4 : marker == 0x78 ? 2 : 0
                if width > 0, i + 2 + width <= n, bytes[(i + 2)..<(i + 2 + width)].allSatisfy(isHexDigit) {
                    var value: UInt32 = 0
                    for byte in bytes[(i + 2)..<(i + 2 + width)] { value = value << 4 | UInt32(hexValue(byte)) }
                    if width == 2 {
                        out.append(UInt8(value))  // \x escapes are bytes, often of UTF-8
                    } else if let scalar = Unicode.Scalar(value) {
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    }
                    escapes += 1
                    i += 2 + width
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        guard escapes >= 6 else { return nil }
        budget -= min(budget, out.count)
        return out
    }
}
