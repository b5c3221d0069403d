/// Check-digit algorithms that separate real identifiers from arbitrary digit strings, which is what keeps
/// order numbers and timestamps from being reported as cards or My Numbers.
public enum CheckDigits {
    /// Whether `digits` (values 0–9, most significant first) pass the Luhn (mod 10) check used by payment cards.
    public static func luhnIsValid<C: Collection>(_ digits: C) -> Bool where C.Element == UInt8 {
        guard digits.count >= 2 else { return false }
        var sum = 0
        var double = false
        for digit in digits.reversed() {
            var value = Int(digit)
            if double {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
            double.toggle()
        }
        return sum % 10 == 0
    }

    /// The check digit of a My Number (個人番号) from its first 11 digits, by the official algorithm: with
    /// `Pn` the n-th digit counted from the right of the 11 and weights `Qn = n + 1` (n ≤ 6) or `n − 5`
    /// (n ≥ 7), the check digit is `11 − (Σ Pn·Qn mod 11)`, or 0 when the remainder is 0 or 1.
    public static func myNumberCheckDigit<C: Collection>(_ first11: C) -> UInt8? where C.Element == UInt8 {
        guard first11.count == 11 else { return nil }
        var sum = 0
        for (index, digit) in first11.reversed().enumerated() {
            let n = index + 1
            sum += Int(digit) * (n <= 6 ? n + 1 : n - 5)
        }
        let remainder = sum % 11
        return remainder <= 1 ? 0 : UInt8(11 - remainder)
    }

    /// Whether `digits` are 12 digits whose last one is the My Number check digit of the first 11.
    public static func myNumberIsValid<C: Collection>(_ digits: C) -> Bool where C.Element == UInt8 {
        guard digits.count == 12, let check = myNumberCheckDigit(digits.prefix(11)) else { return false }
        return digits.reversed().first == check
    }
}
