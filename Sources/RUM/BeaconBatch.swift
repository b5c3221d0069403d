import Storage

/// A beacon after validation: the events that passed (not yet enriched with geo and device) and the reasons
/// for the ones that did not.
public struct BeaconBatch: Sendable, Equatable {
    /// One refused event.
    public struct Rejection: Sendable, Equatable {
        /// Position in the beacon's `events` array.
        public var index: Int
        public var reason: String

        public init(index: Int, reason: String) {
            self.index = index
            self.reason = reason
        }
    }

    public var sessionID: String
    public var viewID: String
    /// Device and browser as the page reported them (User-Agent Client Hints), if it did.
    public var client: ClientDevice?
    public var events: [RUMEvent]
    public var rejected: [Rejection]

    public init(
        sessionID: String, viewID: String, client: ClientDevice?, events: [RUMEvent], rejected: [Rejection]
    ) {
        self.sessionID = sessionID
        self.viewID = viewID
        self.client = client
        self.events = events
        self.rejected = rejected
    }
}
