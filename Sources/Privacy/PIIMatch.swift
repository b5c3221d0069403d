/// One piece of personal or secret data found in a text.
public struct PIIMatch: Sendable, Equatable {
    /// What was found.
    public let kind: PIIKind
    /// Where it is, in the text given to `PIIDetector.detect(in:)`. Bounds sit on Unicode scalar boundaries.
    public let range: Range<String.Index>

    /// A match of `kind` at `range`.
    public init(kind: PIIKind, range: Range<String.Index>) {
        self.kind = kind
        self.range = range
    }
}
