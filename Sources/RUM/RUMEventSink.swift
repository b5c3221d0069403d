import Storage

/// Where accepted RUM events go. The handler depends on this, not on the store, so tests need no database.
public protocol RUMEventSink: Sendable {
    /// Takes the events of one beacon without blocking; `false` when they had to be dropped (queue full).
    @discardableResult
    func store(_ events: [RUMEvent]) -> Bool
}

extension TelemetryStore: RUMEventSink {
    /// Hands the events to the store's writer thread (one item per beacon, one transaction per batch of beacons).
    @discardableResult
    public func store(_ events: [RUMEvent]) -> Bool { enqueue(.rum(events)) }
}
