import Testing

@testable import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

@Test func validTraceparentIsAccepted() throws {
    let context = try #require(
        TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "dd=s:1"))
    #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
    #expect(context.parentSpanID == "00f067aa0ba902b7")
    #expect(context.sampled && context.traceState == "dd=s:1")
    #expect(
        context.traceparent(spanID: "a1b2c3d4e5f60718") == "00-4bf92f3577b34da6a3ce929d0e0e4736-a1b2c3d4e5f60718-01")
}

@Test(arguments: [
    "", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
])
func malformedTraceparentIsIgnored(_ header: String) {
    #expect(TraceContext(traceparent: header) == nil)
}

@Test func futureVersionsWithExtraFieldsParse() {
    #expect(TraceContext(traceparent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future") != nil)
}

@Test func randomIdsAreHexOfTheRightLength() {
    let id = TraceContext.random().traceID
    #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    #expect(TraceContext.random().traceID != id)
}

@Test func jsonQuotingEscapesEverythingJSONAndJavaScriptNeed() {
    #expect(JSONText.quote("a\"b\\c\nd\u{1}\u{2028}日本") == #""a\"b\\c\nd\u0001\u2028日本""#)
    // Other characters that start with the same UTF-8 byte as U+2028 (… is E2 80 A6) pass through untouched.
    #expect(JSONText.quote("…\u{2029}\t…") == #""…\u2029\t…""#)
    // For answers a browser might sniff as HTML, < > & are escaped too.
    #expect(JSONText.quote("<img src=x onerror=a&b>") == #""<img src=x onerror=a&b>""#)
    #expect(JSONText.quote("<img src=x onerror=a&b>", htmlSafe: true) == #""\u003cimg src=x onerror=a\u0026b\u003e""#)
    #expect(JSONText.number(5120) == "5120" && JSONText.number(0.2) == "0.2" && JSONText.number(.nan) == "null")
    var buffer = Array("x=".utf8)
    JSONText.appendQuoted("a\rb", to: &buffer)
    #expect(String(decoding: buffer, as: UTF8.self) == #"x="a\rb""#)
    #expect(
        JSONText.object([("a", .int(1)), ("skip", .string(nil)), ("b", .double(2.345, digits: 2)), ("c", .bool(true))])
            == #"{"a":1,"b":2.35,"c":true}"#)
    // Left out: nil payloads and doubles JSON cannot say; keys are escaped; raw text goes in as it is.
    #expect(
        JSONText.object([
            ("nan", .double(.nan)), ("inf", .double(.infinity)), ("k\"ey", .raw("[1,2]")), ("s", .string("a\nb")),
            ("none", .raw(nil)), ("i", .int(-42)),
        ]) == #"{"k\"ey":[1,2],"s":"a\nb","i":-42}"#)
    #expect(JSONText.object([("x", .int(nil))]) == "{}")
    var line = Array("> ".utf8)
    JSONText.appendObject([("a", .bool(false))], to: &line)
    #expect(String(decoding: line, as: UTF8.self) == #"> {"a":false}"#)
}

@Test func fixedFormatting() {
    #expect(formatFixed(1.25, digits: 1) == "1.3" || formatFixed(1.25, digits: 1) == "1.2")
    #expect(formatFixed(3, digits: 1) == "3.0")
    #expect(formatFixed(1e20, digits: 1) == "1e+20")
    #expect(formatFixed(0.00001, digits: 1) == "0.0")
    #expect(formatFixed(0.049, digits: 0) == "0")
    #expect(formatFixed(0.0000245, digits: 7) == "0.0000245")
    #expect(formatFixed(-2.5, digits: 2) == "-2.50")
    #expect(formatFixed(-0.0001, digits: 1) == "0.0")
}

@Test func jsonTreeParsesEscapesNumbersAndRefusesMalformedText() throws {
    let value = try JSONTree.parse(Array(#"{"s":"a\"b\\\u00e9\ud83d\ude00\ud800x","n":[-0.5e2,0,12]}"#.utf8))
    #expect(value["s"] == .string("a\"b\\é😀\u{FFFD}x"))
    #expect(value["n"] == .array([.number(-50), .number(0), .number(12)]))
    for bad in ["01", "1.", "-", "\"\u{01}\"", "{\"a\" 1}", "[1,]", "tru", "\"\\x\"", "{} x"] {
        #expect(throws: JSONTreeError.self, "\(bad)") { try JSONTree.parse(Array(bad.utf8)) }
    }
    // Nesting is bounded by the caller's limit, and typed accessors refuse the wrong type.
    #expect(throws: JSONTreeError.self) { try JSONTree.parse(Array("[[[1]]]".utf8), maxDepth: 2) }
    #expect(try JSONTree.parse(Array("[[[1]]]".utf8), maxDepth: 3) == .array([.array([.array([.number(1)])])]))
    let fields = try JSONTree.parse(Array(#"{"i":3,"f":2.5,"b":true,"t":"x"}"#.utf8)[...])
    #expect(fields["i"]?.int == 3 && fields["f"]?.int == nil && fields["f"]?.number == 2.5)
    #expect(fields["b"]?.bool == true && fields["t"]?.string == "x" && fields["t"]?.int == nil && fields["z"] == nil)
    #expect(try fields.member("i") { $0.int } == 3 && fields.member("z") { $0.int } == nil)
    #expect(throws: JSONTypeMismatch(key: "t", found: "a string")) { try fields.member("t") { $0.bool } }
}

@Test func readWriteLockKeepsEveryWriteUnderConcurrentReaders() {
    let counter = ReadWriteLock(0)
    let threads = 8
    let writes = 2_000
    let backwards = ReadWriteLock(0)  // reads that saw a smaller count than this thread saw before
    let handles = (0..<threads).map { _ in
        spawnThread {
            var last = 0
            for _ in 0..<writes {
                counter.write { $0 += 1 }
                let seen = counter.read { $0 }
                if seen < last { backwards.write { $0 += 1 } }
                last = seen
            }
        }
    }
    for handle in handles { pthread_join(handle, nil) }
    #expect(counter.read { $0 } == threads * writes)
    #expect(backwards.read { $0 } == 0)
}
