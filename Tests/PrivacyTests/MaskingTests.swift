import Privacy
import Testing

private let masker = Masker(hashKey: Array("test-key".utf8))

@Test func prefixCountsCharactersNotBytes() {
    let text = "要約してください。この文章はとても長いので短くしてほしいです"
    let masked = masker.mask(text, with: .prefix(7))
    #expect(masked == "要約してくださ…[masked \(text.count - 7) chars]")
    // A family emoji is one character (grapheme cluster) of several scalars.
    #expect(masker.mask("👨‍👩‍👧‍👦abc", with: .prefix(1)) == "👨‍👩‍👧‍👦…[masked 3 chars]")
}

@Test func prefixKeepsShortTextWhole() {
    #expect(masker.mask("こんにちは", with: .prefix(10)) == "こんにちは")
    #expect(masker.mask("0123456789", with: .prefix(10)) == "0123456789")
    #expect(masker.mask("", with: .prefix(10)) == "")
    #expect(masker.mask("abc", with: .prefix(0)) == "…[masked 3 chars]")
}

@Test func piiPolicyUsesTypedPlaceholders() {
    let text = "メールはtaro@example.comで、電話は090-1234-5678、カード4111 1111 1111 1111、〒150-0002、IP 10.0.0.1"
    #expect(
        masker.mask(text, with: .pii)
            == "メールは[EMAIL]で、電話は[PHONE]、カード[CARD]、[POSTAL_CODE]、IP [IP]")
    #expect(
        masker.mask("マイナンバー123456789018 key=sk-proj-4fK9xQ2mZ7pL0aB3cD8eF1gH", with: .pii)
            == "マイナンバー[MY_NUMBER] key=[API_KEY]")
    #expect(masker.mask("nothing to hide here", with: .pii) == "nothing to hide here")
}

@Test func piiPolicyDropsWhatItDidNotScan() throws {
    // 90,000 bytes: 21,845 whole characters (65,535 bytes) fit in the 64 KiB scan limit.
    let text = String(repeating: "あ", count: 30_000)
    let masked = try #require(masker.mask(text, with: .pii))
    #expect(masked.hasPrefix(String(repeating: "あ", count: 21_845)))
    #expect(masked.hasSuffix("…[24465 bytes not scanned, dropped]"))
}

@Test func hashIsKeyedStableAndHex() throws {
    let a = try #require(masker.mask("同じプロンプト", with: .hash))
    #expect(a == masker.mask("同じプロンプト", with: .hash))
    #expect(a.hasPrefix("hash:") && a.count == 69)
    #expect(a.dropFirst(5).allSatisfy { "0123456789abcdef".contains($0) })
    #expect(a != Masker(hashKey: Array("other-key".utf8)).mask("同じプロンプト", with: .hash))
    #expect(
        a == "hash:" + HMACSHA256.hex(HMACSHA256(key: Array("test-key".utf8)).authenticationCode(for: "同じプロンプト".utf8)))
}

@Test func dropAndNone() {
    #expect(masker.mask("secret", with: .drop) == nil)
    #expect(masker.mask("secret", with: .none) == "secret")
}

@Test(arguments: [
    ("prefix:10", MaskingPolicy.prefix(10)), ("prefix", .prefix(10)), ("prefix:0", .prefix(0)),
    ("prefix:250", .prefix(250)), ("pii", .pii), ("hash", .hash), ("drop", .drop), ("none", .none),
])
func policiesParse(text: String, policy: MaskingPolicy) {
    #expect(MaskingPolicy(parsing: text) == policy)
    #expect(MaskingPolicy(parsing: policy.description) == policy)
}

@Test(arguments: [
    "", "PII", "prefix:", "prefix:-1", "prefix:x", "prefix:1.5", "prefix: 3", "mask", "hash ",
    "prefix:99999999999999999999",
])
func unknownPoliciesAreRejected(text: String) {
    #expect(MaskingPolicy(parsing: text) == nil)
}

@Test func defaultPolicyShowsTenCharacters() {
    #expect(MaskingPolicy.default == .prefix(10))
    #expect(MaskingPolicy.default.description == "prefix:10")
}

/// A secret in a prompt must not survive any policy but `.none`. `.pii` only removes what the detector
/// recognises, so the canary sits where secrets sit: a password, a Bearer token, an e-mail, a key.
@Test(arguments: [
    "ログイン情報です。password=CANARY-7f3a9 を使ってください",
    "curl -H 'Authorization: Bearer CANARY-7f3a9' https://api.example.com",
    "Please email CANARY-7f3a9@example.com about it",
    "config: {\"secret\": \"CANARY-7f3a9\"}",
    String(repeating: "長い前置き。", count: 12_000) + "password=CANARY-7f3a9",
])
func canaryNeverLeaks(prompt: String) {
    let canary = "CANARY-7f3a9"
    for policy in [MaskingPolicy.prefix(10), .pii, .hash, .drop, .default] {
        let masked = masker.mask(prompt, with: policy) ?? ""
        #expect(!masked.contains(canary), "\(policy)")
    }
    #expect(masker.mask(prompt, with: .none)?.contains(canary) == true)
}
