import Testing

@testable import Exporters

@Suite struct ProtobufWriterTests {
    @Test func varintsMatchTheSpecExamples() {
        var w = ProtobufWriter()
        w.varint(1)
        w.varint(150)
        w.varint(300)
        w.varint(UInt64.max)
        #expect(w.bytes == [0x01, 0x96, 0x01, 0xAC, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }
}
