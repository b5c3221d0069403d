import Foundation
import RUM
import Storage

/// Beacon bodies and helpers shared by the RUM tests.
enum Beacon {
    static let session = "0123456789abcdef0123456789abcdef"
    static let viewID = "fedcba9876543210"
    static let sentAt = 1_733_350_000_000.0
    static let receivedNs: UInt64 = 1_800_000_000_000_000_000

    /// A beacon body with the given events (JSON object texts).
    static func body(_ events: [String], session: String = session, extra: String = "") -> String {
        "{\"session_id\":\"\(session)\",\"view_id\":\"\(viewID)\",\"sent_at\":\(Int(sentAt))\(extra),\"events\":["
            + events.joined(separator: ",") + "]}"
    }

    static func vital(_ name: String, _ value: String, age: Double = 1000) -> String {
        "{\"type\":\"vital\",\"t\":\(Int(sentAt - age)),\"name\":\"\(name)\",\"value\":\(value)}"
    }

    static let view =
        "{\"type\":\"view\",\"t\":\(Int(sentAt - 5000)),\"name\":\"/\",\"value\":420.5,"
        + "\"attrs\":{\"ttfb\":12.5,\"dom_interactive\":80,\"load\":420.5,\"nav_type\":\"navigate\"}}"
    static let action =
        "{\"type\":\"action\",\"t\":\(Int(sentAt - 2000)),\"name\":\"send\",\"value\":1520,"
        + "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"attrs\":{\"ttft_painted_ms\":180.2,\"route\":\"/chat\"}}"
    static let jsError =
        "{\"type\":\"error\",\"t\":\(Int(sentAt - 100)),\"name\":\"js\",\"attrs\":{\"message\":\"boom\","
        + "\"source\":\"/assets/chat.js\",\"line\":12,\"col\":3,\"stack\":\"Error: boom\\n    at f (chat.js:12:3)\"}}"

    static func validate(_ text: String, maxEvents: Int = 200) throws(BeaconError) -> BeaconBatch {
        try BeaconSchema(maxEvents: maxEvents).validate(Array(text.utf8), receivedNs: receivedNs)
    }
}

/// Collects what the responder stores.
final class RecordingSink: RUMEventSink, @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [[RUMEvent]] = []

    func store(_ events: [RUMEvent]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        batches.append(events)
        return true
    }

    var events: [RUMEvent] {
        lock.lock()
        defer { lock.unlock() }
        return batches.flatMap { $0 }
    }
}

/// A tiny City-format `.mmdb` made with Debian's libmaxmind-db-writer-perl (Fixtures/make-test-mmdb.pl):
/// 203.0.113.0/24 → JP/Tokyo/Shibuya, 198.51.100.0/24 → DE/Berlin/Berlin, 2001:db8:1::/48 → FR/Paris.
enum TestGeoDatabase {
    static let writerAvailable: Bool = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        probe.arguments = ["-MMaxMind::DB::Writer::Tree", "-e", "1"]
        probe.standardError = FileHandle.nullDevice
        do { try probe.run() } catch { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// Writes the test database and returns its path.
    static func make() throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/make-test-mmdb.pl").path
        let path = NSTemporaryDirectory() + "kagami-rum-test-\(UUID().uuidString).mmdb"
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        writer.arguments = [script, path]
        try writer.run()
        writer.waitUntilExit()
        guard writer.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return path
    }
}
