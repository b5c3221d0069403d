import Storage

/// An exporter as the request path sees it: `export` only enqueues (never blocks, never fails); delivery
/// happens on the exporter's own thread.
public protocol TraceExporter: Sendable {
    /// Short name for logs and metric labels (`otlp`, `datadog`).
    var name: String { get }
    /// Queues one chat's trace; drops it (and counts the drop) when the queue is full.
    func export(_ trace: ChatTrace)
    /// Sends what is queued, waiting at most `timeoutMs`, then stops the thread.
    func shutdown(timeoutMs: Int)
}
