/// One real-user-monitoring event as stored in `rum_events`: already validated and enriched by the beacon
/// handler. Holds no raw client address (at most a truncated network in `attributesJSON`, when configured).
public struct RUMEvent: Sendable, Equatable {
    /// When it happened, wall clock, corrected for the browser's clock skew.
    public var timeNs: UInt64
    public var sessionID: String
    public var viewID: String?
    /// `view`, `vital`, `error`, `action`, `long_task`, `resource`.
    public var type: String
    /// The vital (`LCP`), the action (`send`), the error kind (`js`, `promise`, `resource`), the view's path.
    public var name: String?
    /// The chat's trace id (32 lower-case hex) for actions that made a chat request.
    public var traceID: String?
    /// The measurement: a vital's value, an action's total time, a long task's duration (ms; CLS unitless).
    public var value: Double?
    /// The rest of the event as a JSON object (already encoded).
    public var attributesJSON: String
    public var country: String?
    public var region: String?
    public var city: String?
    public var browser: String?
    public var os: String?
    /// `desktop`, `mobile`, `tablet`, `bot`.
    public var device: String?

    public init(
        timeNs: UInt64, sessionID: String, viewID: String?, type: String, name: String?, traceID: String?,
        value: Double?, attributesJSON: String = "{}", country: String? = nil, region: String? = nil,
        city: String? = nil, browser: String? = nil, os: String? = nil, device: String? = nil
    ) {
        self.timeNs = timeNs
        self.sessionID = sessionID
        self.viewID = viewID
        self.type = type
        self.name = name
        self.traceID = traceID
        self.value = value
        self.attributesJSON = attributesJSON
        self.country = country
        self.region = region
        self.city = city
        self.browser = browser
        self.os = os
        self.device = device
    }
}

/// A user action joined to the chat it started: what the user saw next to what the server recorded.
public struct RUMActionTrace: Sendable, Equatable {
    /// The action as the browser reported it.
    public var action: RUMEvent
    /// The server's record of the chat with the same trace id; `nil` when the store has none (yet).
    public var chat: ChatSummary?

    public init(action: RUMEvent, chat: ChatSummary?) {
        self.action = action
        self.chat = chat
    }
}

/// A browser error that happened in a session where a chat failed.
public struct RUMSessionError: Sendable, Equatable {
    /// The error event.
    public var error: RUMEvent
    /// The failed chat(s) of the same session, by trace id.
    public var failedTraceIDs: [String]

    public init(error: RUMEvent, failedTraceIDs: [String]) {
        self.error = error
        self.failedTraceIDs = failedTraceIDs
    }
}

/// Web-vitals thresholds (DESIGN.md §5): good ≤ `good`, poor > `poor`, needs improvement between. Events are
/// classified when stored (`rollup_rum_minute`); migration 2 spells the same numbers out for its backfill.
public enum WebVitals {
    public static let thresholds: [(name: String, good: Double, poor: Double)] = [
        ("LCP", 2500, 4000), ("INP", 200, 500), ("CLS", 0.1, 0.25), ("FCP", 1800, 3000), ("TTFB", 800, 1800),
    ]
}
