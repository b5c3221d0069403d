/// Writes protocol buffers wire format by hand: just the four encodings OTLP needs (varint, 64-bit,
/// length-delimited, and nested messages), so no code generator or package is required.
///
/// Nested messages are written in place: ``message(_:_:)`` reserves the length after the fact, so nothing
/// is encoded twice.
public struct ProtobufWriter: Sendable {
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer; `capacity` pre-sizes the buffer.
    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Wire types (the low three bits of a field key).
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// Appends a base-128 varint.
    public mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func key(_ field: Int, _ type: WireType) { varint(UInt64(field) << 3 | type.rawValue) }

    /// A `uint32`/`uint64`/enum field; zero is the default and so is left out (proto3).
    public mutating func uint(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        key(field, .varint)
        varint(value)
    }

    /// An `int64`/`int32` field (two's complement varint); zero is left out.
    public mutating func int(_ field: Int, _ value: Int64) { uint(field, UInt64(bitPattern: value)) }

    /// A `bool` field; `false` is left out.
    public mutating func bool(_ field: Int, _ value: Bool) { uint(field, value ? 1 : 0) }

    /// A `fixed64` field; zero is left out unless `always` (OTLP timestamps are always present).
    public mutating func fixed64(_ field: Int, _ value: UInt64, always: Bool = false) {
        guard value != 0 || always else { return }
        key(field, .fixed64)
        fixed64Raw(value)
    }

    mutating func fixed64Raw(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A `fixed32` field; zero is left out.
    public mutating func fixed32(_ field: Int, _ value: UInt32) {
        guard value != 0 else { return }
        key(field, .fixed32)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// A `double` field (little-endian IEEE 754); written even when zero if `always` (inside a `oneof`).
    public mutating func double(_ field: Int, _ value: Double, always: Bool = false) {
        guard value != 0 || always else { return }
        key(field, .fixed64)
        fixed64Raw(value.bitPattern)
    }

    /// A `string` field; written even when empty if `always` (inside a `oneof`).
    public mutating func string(_ field: Int, _ value: String, always: Bool = false) {
        var value = value
        value.withUTF8 { utf8 in
            guard !utf8.isEmpty || always else { return }
            key(field, .lengthDelimited)
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `bytes` field; empty is left out.
    public mutating func data(_ field: Int, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A packed `repeated fixed64`/`double` field.
    public mutating func packedFixed64(_ field: Int, _ values: [UInt64]) {
        guard !values.isEmpty else { return }
        key(field, .lengthDelimited)
        varint(UInt64(values.count * 8))
        for value in values { fixed64Raw(value) }
    }

    /// An embedded message field, written by `body`. Empty messages are still written (they mark presence).
    public mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
        key(field, .lengthDelimited)
        // Encode the body at the end of this buffer, then move it right by the width of its length prefix.
        let start = bytes.count
        body(&self)
        let length = bytes.count - start
        var prefix: [UInt8] = []
        var value = UInt64(length)
        while value >= 0x80 {
            prefix.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        prefix.append(UInt8(value))
        bytes.insert(contentsOf: prefix, at: start)
    }
}
