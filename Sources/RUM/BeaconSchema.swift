import Storage
import Telemetry

/// The beacon wire format and its rules: what `POST /rum` accepts.
///
/// ```
/// {"session_id": "…", "view_id": "…", "sent_at": 1733350000000,
///  "client": {"browser": "Chrome 156", "os": "Linux", "mobile": false},          (optional: UA Client Hints)
///  "events": [{"type": "vital", "t": 1733349999000, "name": "LCP", "value": 812.5, "attrs": {…}}, …]}
/// ```
///
/// A problem with the envelope (not JSON, no session, too many events) refuses the whole beacon; a problem
/// with one event refuses that event only, with its index and a reason, and the others are kept.
public struct BeaconSchema: Sendable {
    /// Event types and what each `name` may be (`nil`: any short snake_case name).
    public static let eventTypes: [String: Set<String>?] = [
        "view": nil, "vital": ["LCP", "INP", "CLS", "FCP", "TTFB"], "error": ["js", "promise", "resource"],
        "action": nil, "long_task": nil, "resource": nil,
    ]
    /// Largest accepted duration, ms (10 minutes: anything longer is a broken clock, not a page).
    public static let maxDurationMs = 600_000.0
    /// Largest accepted layout-shift score (the real ones are below 5).
    public static let maxCLS = 100.0
    /// Longest attribute string, bytes; `stack` may be longer.
    public static let maxAttributeBytes = 1024
    public static let maxStackBytes = 4096
    public static let maxAttributes = 32

    /// Most events in one beacon.
    public var maxEvents: Int

    public init(maxEvents: Int = 200) {
        self.maxEvents = maxEvents
    }

    /// Validates a beacon body received at `receivedNs` (wall clock). Event times are re-based on the server's
    /// clock: `receivedNs - (sent_at - t)`, so a browser with a wrong clock still lands at the right moment.
    public func validate(_ body: [UInt8], receivedNs: UInt64) throws(BeaconError) -> BeaconBatch {
        guard !body.isEmpty else { throw BeaconError(status: 400, code: "empty_body", message: "the beacon is empty") }
        guard String(validating: body, as: UTF8.self) != nil else {
            throw BeaconError(status: 400, code: "invalid_utf8", message: "the beacon is not valid UTF-8")
        }
        let root: JSONTree
        do {
            root = try JSONTree.parse(body)
        } catch {
            throw BeaconError(status: 400, code: "invalid_json", message: "the beacon is not JSON: \(error)")
        }
        guard case .object = root else {
            throw invalid("the beacon must be a JSON object, not \(root.typeName)")
        }
        guard let sessionID = Self.identifier(root["session_id"]) else {
            throw invalid("session_id: must be 16–64 letters, digits, - or _")
        }
        guard let viewID = Self.identifier(root["view_id"]) else {
            throw invalid("view_id: must be 16–64 letters, digits, - or _")
        }
        guard case .number(let sentAt) = root["sent_at"], sentAt.isFinite, sentAt > 0 else {
            throw invalid("sent_at: must be the send time in milliseconds since 1970")
        }
        guard case .array(let items) = root["events"] else { throw invalid("events: must be an array") }
        guard !items.isEmpty else { throw invalid("events: must not be empty") }
        guard items.count <= maxEvents else {
            throw BeaconError(
                status: 400, code: "too_many_events",
                message: "\(items.count) events in one beacon; at most \(maxEvents) are accepted")
        }
        var client: ClientDevice?
        if let value = root["client"] {
            client = try Self.client(value)
        }
        var events: [RUMEvent] = []
        events.reserveCapacity(items.count)
        var rejected: [BeaconBatch.Rejection] = []
        for (index, item) in items.enumerated() {
            switch Self.event(item, sessionID: sessionID, viewID: viewID, sentAt: sentAt, receivedNs: receivedNs) {
            case .success(let event): events.append(event)
            case .failure(let problem): rejected.append(.init(index: index, reason: problem.reason))
            }
        }
        return BeaconBatch(sessionID: sessionID, viewID: viewID, client: client, events: events, rejected: rejected)
    }

    private func invalid(_ message: String) -> BeaconError {
        BeaconError(status: 400, code: "invalid_beacon", message: message)
    }

    /// Why one event was refused.
    struct EventProblem: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func event(
        _ item: JSONTree, sessionID: String, viewID: String, sentAt: Double, receivedNs: UInt64
    ) -> Result<RUMEvent, EventProblem> {
        guard case .object(let members) = item else {
            return .failure(.init("must be an object, not \(item.typeName)"))
        }
        for (key, _) in members where !["type", "t", "name", "value", "trace_id", "attrs"].contains(key) {
            return .failure(.init("unknown field \(JSONText.quote(String(key.prefix(64))))"))
        }
        guard case .string(let type) = item["type"], let allowedNames = eventTypes[type] else {
            return .failure(.init("type: must be one of \(eventTypes.keys.sorted().joined(separator: ", "))"))
        }
        guard case .number(let t) = item["t"], t.isFinite else {
            return .failure(.init("t: must be the event time in milliseconds since 1970"))
        }
        let ageMs = sentAt - t
        guard ageMs >= -60_000, ageMs <= 86_400_000 else {
            return .failure(.init("t: must be within a day before sent_at"))
        }
        var name: String?
        switch item["name"] {
        case nil, .null?: break
        case .string(let text)?:
            guard !text.isEmpty, text.utf8.count <= (type == "view" ? 512 : 64) else {
                return .failure(.init("name: must be 1–\(type == "view" ? 512 : 64) bytes"))
            }
            name = text
        case let other?: return .failure(.init("name: must be a string, not \(other.typeName)"))
        }
        if let allowedNames {
            guard let name, allowedNames.contains(name) else {
                return .failure(
                    .init("name: a \(type) must be one of \(allowedNames.sorted().joined(separator: ", "))"))
            }
        } else if type == "action" {
            guard let name, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
                return .failure(.init("name: an action needs a snake_case name (send, stop, …)"))
            }
        }
        var value: Double?
        switch item["value"] {
        case nil, .null?: break
        case .number(let number)?: value = number
        case let other?: return .failure(.init("value: must be a number, not \(other.typeName)"))
        }
        if let problem = valueProblem(type: type, name: name, value: value) { return .failure(.init(problem)) }
        var traceID: String?
        switch item["trace_id"] {
        case nil, .null?: break
        case .string(let text)?:
            guard text.utf8.count == 32, text.utf8.allSatisfy(isLowerHex), text.utf8.contains(where: { $0 != 0x30 })
            else { return .failure(.init("trace_id: must be 32 lower-case hex digits, not all zero")) }
            traceID = text
        case let other?: return .failure(.init("trace_id: must be a string, not \(other.typeName)"))
        }
        var attributes = "{}"
        if let attrs = item["attrs"], attrs != .null {
            switch encodeAttributes(attrs) {
            case .success(let json): attributes = json
            case .failure(let problem): return .failure(problem)
            }
        }
        let timeNs = receivedNs &- UInt64(max(0, ageMs) * 1_000_000)
        return .success(
            RUMEvent(
                timeNs: timeNs, sessionID: sessionID, viewID: viewID, type: type, name: name, traceID: traceID,
                value: value, attributesJSON: attributes))
    }

    static func valueProblem(type: String, name: String?, value: Double?) -> String? {
        guard let value else {
            return type == "vital" || type == "long_task" ? "value: a \(type) needs a value" : nil
        }
        guard value.isFinite else { return "value: must be a finite number" }
        if type == "vital" && name == "CLS" {
            return (0...maxCLS).contains(value) ? nil : "value: CLS must be 0…\(Int(maxCLS))"
        }
        let limit = type == "action" ? 6 * maxDurationMs : maxDurationMs
        guard (0...limit).contains(value) else {
            return "value: \(type == "vital" ? name ?? type : type) must be 0…\(Int(limit)) ms"
        }
        return nil
    }

    /// `attrs` re-encoded as a flat JSON object (string, finite number, boolean or null values only).
    static func encodeAttributes(_ attrs: JSONTree) -> Result<String, EventProblem> {
        guard case .object(let members) = attrs else {
            return .failure(.init("attrs: must be an object, not \(attrs.typeName)"))
        }
        guard members.count <= maxAttributes else {
            return .failure(.init("attrs: at most \(maxAttributes) attributes"))
        }
        // Built as bytes: one buffer per event instead of a string per fragment.
        var out: [UInt8] = [0x7B]
        out.reserveCapacity(256)
        for (position, (key, value)) in members.enumerated() {
            guard !key.isEmpty, key.utf8.count <= 64,
                key.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
            else { return .failure(.init("attrs: names must be 1–64 characters of a-z, 0-9 and _")) }
            if position > 0 { out.append(0x2C) }
            out.append(0x22)
            out.append(contentsOf: key.utf8)
            out.append(contentsOf: [0x22, 0x3A])
            switch value {
            case .string(let text):
                let limit = key == "stack" ? maxStackBytes : maxAttributeBytes
                guard text.utf8.count <= limit else {
                    return .failure(.init("attrs.\(key): longer than \(limit) bytes"))
                }
                JSONText.appendQuoted(text, to: &out)
            case .number(let number):
                guard number.isFinite else { return .failure(.init("attrs.\(key): must be a finite number")) }
                if key.hasSuffix("_ms") || timingKeys.contains(key) {
                    guard (0...maxDurationMs * 6).contains(number) else {
                        return .failure(.init("attrs.\(key): must be 0…\(Int(maxDurationMs * 6)) ms"))
                    }
                } else if abs(number) > 1e15 {
                    return .failure(.init("attrs.\(key): out of range"))
                }
                out.append(contentsOf: JSONText.number(number).utf8)
            case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
            case .null: out.append(contentsOf: "null".utf8)
            case .array, .object:
                return .failure(.init("attrs.\(key): must be a string, number, boolean or null"))
            }
        }
        out.append(0x7D)
        return .success(String(decoding: out, as: UTF8.self))
    }

    /// Navigation and paint timings in a `view` event's attributes, all ms from the navigation start.
    static let timingKeys: Set<String> = [
        "ttfb", "dom_interactive", "dom_content_loaded", "load", "fp", "fcp", "duration", "start",
    ]

    static func client(_ value: JSONTree) throws(BeaconError) -> ClientDevice? {
        guard case .object = value else {
            throw BeaconError(status: 400, code: "invalid_beacon", message: "client: must be an object")
        }
        func field(_ key: String) throws(BeaconError) -> String? {
            switch value[key] {
            case nil, .null?: return nil
            case .string(let text)? where text.utf8.count <= 64 && !text.isEmpty: return text
            default:
                throw BeaconError(status: 400, code: "invalid_beacon", message: "client.\(key): must be 1–64 bytes")
            }
        }
        let browser = try field("browser")
        let os = try field("os")
        var device: String?
        switch value["mobile"] {
        case .bool(let mobile)?: device = mobile ? "mobile" : "desktop"
        case nil, .null?: break
        default: throw BeaconError(status: 400, code: "invalid_beacon", message: "client.mobile: must be a boolean")
        }
        if browser == nil && os == nil && device == nil { return nil }
        return ClientDevice(browser: browser, os: os, device: device)
    }

    static func identifier(_ value: JSONTree?) -> String? {
        guard case .string(let text)? = value, (16...64).contains(text.utf8.count),
            text.utf8.allSatisfy({
                isLowerHex($0) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x67 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F
            })
        else { return nil }
        return text
    }
}

private func isLowerHex(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) }
