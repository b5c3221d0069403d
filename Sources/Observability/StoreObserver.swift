import ChatService
import Storage
import Telemetry

/// The observer ChatHandler installs: builds each finished chat's trace (masking, evaluations, spans,
/// cost) on the request thread — after the response is complete — and hands it to the store's queue.
public struct StoreObserver: ChatObserver {
    let builder: ChatTraceBuilder
    let store: TelemetryStore

    public init(builder: ChatTraceBuilder, store: TelemetryStore) {
        self.builder = builder
        self.store = store
    }

    public func chatFinished(_ record: ChatRecord) {
        store.enqueue(.chat(builder.build(record)))
    }
}
