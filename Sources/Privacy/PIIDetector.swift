/// Finds personal and secret data in text: e-mail addresses, phone numbers (Japanese and international),
/// Luhn-valid card numbers, check-digit-valid My Numbers, Japanese postal codes, IPv4/IPv6 addresses and
/// API keys or tokens.
///
/// Method: hand-written scanners over the folded scalar values of the text (full-width digits and dash
/// look-alikes fold to ASCII). Each scanner proposes candidates in one linear pass; overlapping candidates
/// are resolved by taking the earliest, then the longest. Numbers are classified by their digit groups
/// (`090-1234-5678` is 3+4+4 digits starting with 0), then validated by check digits where one exists, which
/// is what keeps dates (2024-12-01), times, prices (¥1,200), version strings (1.2.3) and plain numbers out.
///
/// Bounds: only the first 64 KiB (UTF-8) of a text is scanned, so a 1 MB prompt costs the same as a 64 KiB
/// one; `MaskingPolicy.pii` drops the unscanned rest rather than keeping it raw.
///
/// Known limits: names and street addresses are not detected; a 12-digit number passes the My Number check
/// about one time in ten, and a 13–19 digit number starting with 2–6 passes Luhn one time in ten; a
/// four-part version string (`1.2.3.4`) looks like an IPv4 address; secrets without a known prefix are
/// found only after `key=`, `token=`, `secret=`, `password=` (or `:`) or `Bearer`.
public struct PIIDetector: Sendable {
    /// A detector; it holds no state.
    public init() {}

    /// Matches in `text`, non-overlapping and in order of position.
    public func detect(in text: String) -> [PIIMatch] {
        detect(in: text, scanned: ScannedText(text))
    }

    func detect(in text: String, scanned: ScannedText) -> [PIIMatch] {
        let values = scanned.values
        guard !values.isEmpty else { return [] }
        var candidates: [Candidate] = []
        values.withUnsafeBufferPointer { v in
            emailCandidates(v, into: &candidates)
            numberCandidates(v, into: &candidates)
            ipv6Candidates(v, into: &candidates)
            secretCandidates(v, into: &candidates)
        }
        guard !candidates.isEmpty else { return [] }
        candidates.sort { $0.lower != $1.lower ? $0.lower < $1.lower : $0.upper > $1.upper }
        var matches: [PIIMatch] = []
        var end = 0
        for candidate in candidates where candidate.lower >= end {
            matches.append(
                PIIMatch(kind: candidate.kind, range: scanned.range(in: text, candidate.lower, candidate.upper)))
            end = candidate.upper
        }
        return matches
    }

    /// A proposed match over scalar positions `lower..<upper` of the folded text.
    struct Candidate {
        var kind: PIIKind
        var lower: Int
        var upper: Int
    }
}
