import Privacy
import Testing

/// The kinds found in `text`, with the matched substrings, for compact expectations.
private func found(_ text: String) -> [String] {
    PIIDetector().detect(in: text).map { "\($0.kind.rawValue):\(text[$0.range])" }
}

@Test(arguments: [
    ("連絡先は taro.yamada+news@example.co.jp です", ["email:taro.yamada+news@example.co.jp"]),
    ("mail me at a_b@sub.example.com.", ["email:a_b@sub.example.com"]),
    ("全角 ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ も", ["email:ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"]),
])
func emails(text: String, expected: [String]) {
    #expect(found(text) == expected)
}

@Test(arguments: [
    ("電話は03-1234-5678まで", ["phone:03-1234-5678"]),
    ("携帯 090-1234-5678 に", ["phone:090-1234-5678"]),
    ("フリーダイヤル0120-123-456", ["phone:0120-123-456"]),
    ("全角は０９０−１２３４−５６７８です", ["phone:０９０−１２３４−５６７８"]),
    ("ハイフンなし09012345678", ["phone:09012345678"]),
    ("長音記号 090ー1234ー5678 も", ["phone:090ー1234ー5678"]),
    ("国際 +81-90-1234-5678 から", ["phone:+81-90-1234-5678"]),
    ("+81 3 1234 5678", ["phone:+81 3 1234 5678"]),
    ("call +1 415 555 2671 today", ["phone:+1 415 555 2671"]),
    ("London +44 20 7946 0958.", ["phone:+44 20 7946 0958"]),
    ("US (415) 555-2671 office", ["phone:(415) 555-2671"]),
    ("代表 03(1234)5678", ["phone:03(1234)5678"]),
])
func phones(text: String, expected: [String]) {
    #expect(found(text) == expected)
}

@Test(arguments: [
    ("card 4111 1111 1111 1111 exp", ["card:4111 1111 1111 1111"]),
    ("4242-4242-4242-4242", ["card:4242-4242-4242-4242"]),
    ("amex 3782 822463 10005", ["card:3782 822463 10005"]),
    ("番号5555555555554444で", ["card:5555555555554444"]),
    ("全角４１１１　１１１１　１１１１　１１１１", ["card:４１１１　１１１１　１１１１　１１１１"]),
])
func cards(text: String, expected: [String]) {
    #expect(found(text) == expected)
}

@Test func cardsFailingLuhnAreIgnored() {
    #expect(found("4111 1111 1111 1112") == [])
    #expect(found("order 1234567890123456") == [])
}

@Test func myNumberUsesItsCheckDigit() {
    // 12345678901 → weights give remainder 3 → check digit 8.
    #expect(CheckDigits.myNumberCheckDigit([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1] as [UInt8]) == 8)
    #expect(found("マイナンバーは123456789018です") == ["my_number:123456789018"])
    #expect(found("マイナンバー 1234 5678 9018") == ["my_number:1234 5678 9018"])
    #expect(found("番号123456789012") == [])
    // Remainder ≤ 1 gives check digit 0.
    #expect(CheckDigits.myNumberCheckDigit([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] as [UInt8]) == 0)
}

@Test func luhn() {
    #expect(CheckDigits.luhnIsValid([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3] as [UInt8]))
    #expect(!CheckDigits.luhnIsValid([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4] as [UInt8]))
}

@Test(arguments: [
    ("〒150-0002 東京都渋谷区", ["postal_code:〒150-0002"]),
    ("〒 1500002", ["postal_code:〒 1500002"]),
    ("郵便番号 100-0001", ["postal_code:100-0001"]),
])
func postalCodes(text: String, expected: [String]) {
    #expect(found(text) == expected)
}

@Test(arguments: [
    ("server 192.168.10.4 down", ["ip:192.168.10.4"]),
    ("http://10.0.0.5/admin", ["ip:10.0.0.5"]),
    ("v6 2001:db8:85a3::8a2e:370:7334 ok", ["ip:2001:db8:85a3::8a2e:370:7334"]),
    ("fe80::1ff:fe23:4567:890a.", ["ip:fe80::1ff:fe23:4567:890a"]),
    ("mapped ::ffff:192.0.2.128", ["ip:::ffff:192.0.2.128"]),
    ("full 2001:0db8:0000:0000:0000:ff00:0042:8329", ["ip:2001:0db8:0000:0000:0000:ff00:0042:8329"]),
])
func ipAddresses(text: String, expected: [String]) {
    #expect(found(text) == expected)
}

@Test(arguments: [
    ("key sk-proj-4fK9xQ2mZ7pL0aB3cD8eF1gH", ["api_key:sk-proj-4fK9xQ2mZ7pL0aB3cD8eF1gH"]),
    ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", ["api_key:ghp_16C7e42F292c6912E7710c838347Ae178B4a"]),
    ("AKIAIOSFODNN7EXAMPLE is aws", ["api_key:AKIAIOSFODNN7EXAMPLE"]),
    ("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", ["api_key:AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"]),
    ("xoxb-2048-4096-abcdefABCDEF1234", ["api_key:xoxb-2048-4096-abcdefABCDEF1234"]),
    (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
        ["api_key:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"]
    ),
    ("api_key=9f86d081884c7d659a2feaa0c55ad015", ["api_key:9f86d081884c7d659a2feaa0c55ad015"]),
    ("Authorization: Bearer abC9dEf8GhI7jKl6MnO5pQr4", ["api_key:abC9dEf8GhI7jKl6MnO5pQr4"]),
    ("{\"access_token\": \"ya29Xk3J9sLq0Wm2Zp8Rt5Yv\"}", ["api_key:ya29Xk3J9sLq0Wm2Zp8Rt5Yv"]),
])
func apiKeys(text: String, expected: [String]) {
    #expect(found(text) == expected)
}

@Test(arguments: [
    "会議は2024-12-01の10:30からです", "価格は¥1,200（税込）", "$3,000 and 1,234,567 units", "version 1.2.3 released",
    "swift 6.3.1 / node v20.11.0", "2024/12/01 12:30:45", "pi is 3.14159265", "We sold 12345 units in 2023",
    "ISBN 978-4-06-293543-5", "score 100 200 3000", "token=2024-12-01", "use sk-learn-is-a-great-library",
    "at 12:30:45 on 16:9 screens", "std::vector and Foo::bar", "mac 00:1a:2b:3c:4d:5e", "@taro_yamada said hi",
    "npm i @scope/pkg", "温度は-5度、湿度は60%", "注文番号 A-12345678", "電話番号は未定です",
    "commit 3f2a9c1e7b8d4f6a0c5e9b2d7a1f4c8e6b3d0a9f", "1,000,000円", "2024年12月1日", "room 101-A",
])
func ordinaryTextHasNoPII(text: String) {
    #expect(found(text) == [])
}

@Test func matchesAreOrderedAndNonOverlapping() {
    let text = "a@b.co 090-1234-5678 4111111111111111 192.168.0.1"
    #expect(PIIDetector().detect(in: text).map(\.kind) == [.email, .phone, .card, .ipAddress])
}

@Test func onlyTheFirst64KiBIsScanned() {
    let filler = String(repeating: "a", count: 70_000)
    #expect(PIIDetector().detect(in: filler + " x@example.com").isEmpty)
    #expect(PIIDetector().detect(in: "x@example.com " + filler).count == 1)
}
