import Storage

/// Where accepted RUM events go. The handler depends on this, not on the store, so tests need no database.
public protocol RUMEventSink: Sendable {
    /// Takes the events of one beacon without touching disk; `false` when they had to be dropped (queue full).
    @discardableResult
    func store(_ events: [RUMEvent]) -> Bool
}

extension TelemetryStore: RUMEventSink {
    /// Hands the events to the store's writer thread (one item per beacon, one transaction per batch of beacons).
    /// When the queue is full the beacon waits up to ``beaconQueueWaitMs`` for room before it is refused.
    @discardableResult
    public func store(_ events: [RUMEvent]) -> Bool { enqueue(.rum(events), waitMs: Self.beaconQueueWaitMs) }

    /// How long a beacon may wait for room in a full queue: long enough for the writer to commit a batch,
    /// short next to a browser's patience (`sendBeacon` never waits for the answer).
    public static let beaconQueueWaitMs = 200
}
