import Storage
import Synchronization

/// Read connections to the store, one per concurrent request: a `TelemetryQueries` is used by one thread at a
/// time (SQLite connections are not shared between threads here), and reused afterwards.
final class QueryPool: Sendable {
    /// One connection; only ever used by the thread that checked it out, hence `@unchecked Sendable`.
    final class Connection: @unchecked Sendable {
        let queries: TelemetryQueries
        init(_ queries: TelemetryQueries) { self.queries = queries }
    }

    private let idle = Mutex<[Connection]>([])
    private let path: String

    init(path: String) { self.path = path }

    /// Runs `body` with a connection (opened on first use).
    func with<T>(_ body: (TelemetryQueries) throws(StorageError) -> T) throws(StorageError) -> T {
        let connection: Connection
        if let reused = idle.withLock({ $0.popLast() }) {
            connection = reused
        } else {
            connection = Connection(try TelemetryQueries(path: path))
        }
        defer { idle.withLock { $0.append(connection) } }
        return try body(connection.queries)
    }
}
