import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// A SQLite failure, with SQLite's own message and the statement it came from.
public struct StorageError: Error, CustomStringConvertible {
    /// SQLite's primary result code (`SQLITE_FULL`, `SQLITE_CORRUPT`, …).
    public let code: Int32
    public let message: String

    public var description: String { message }

    /// A short, value-free name for logs and metrics.
    public var kind: String {
        switch code & 0xff {
        case SQLITE_FULL: "disk_full"
        case SQLITE_CORRUPT, SQLITE_NOTADB: "corrupt"
        case SQLITE_BUSY, SQLITE_LOCKED: "busy"
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN, SQLITE_IOERR: "io"
        default: "sqlite"
        }
    }
}

/// Owns one `sqlite3` connection. Not thread-safe: one connection per thread (the writer thread owns its
/// own; readers open theirs).
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String

    /// Opens (creating if needed) the database at `path`, in WAL mode with a busy timeout, so several
    /// processes can write in turn and readers never block the writer.
    public init(path: String, readOnly: Bool = false, busyTimeoutMs: Int32 = 5_000) throws(StorageError) {
        _ = Self.processSetup
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StorageError(code: rc, message: "cannot open \(path): \(message)")
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMs)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Once per process, before SQLite initialises: no memory statistics (each connection here belongs to one
    /// thread, and the statistics' global mutex was a tenth of the writer thread's time).
    private static let processSetup: Void = { _ = kagami_sqlite_disable_memstatus() }()

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws(StorageError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw StorageError(code: rc, message: message)
        }
    }

    /// Compiles `sql` once; reuse the statement for every row.
    public func prepare(_ sql: String) throws(StorageError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw lastError(rc, context: sql) }
        return SQLiteStatement(statement: statement, database: self)
    }

    /// Runs `body` in one transaction; rolls back if it throws.
    public func transaction<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// `PRAGMA user_version`: the schema version.
    public var userVersion: Int {
        get { (try? prepare("PRAGMA user_version").firstInt()) ?? 0 }
    }

    func lastError(_ rc: Int32, context: String) -> StorageError {
        StorageError(code: rc, message: "\(String(cString: sqlite3_errmsg(handle))) (in: \(context.prefix(80)))")
    }
}

/// A value to bind or read.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public var int: Int64? {
        if case .int(let value) = self { return value }
        if case .double(let value) = self { return Int64(value) }
        return nil
    }
    public var double: Double? {
        if case .double(let value) = self { return value }
        if case .int(let value) = self { return Double(value) }
        return nil
    }
    public var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }
}

/// Owns one prepared statement. Same thread rules as its database.
public final class SQLiteStatement {
    let statement: OpaquePointer
    let database: SQLiteDatabase

    init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    /// The text values of the current binding, back to back: bound with `SQLITE_STATIC` (no copy per value) and
    /// kept, with its capacity, until the next binding.
    private var texts: [UInt8] = []

    /// Binds values to `?1…?n` in order (after clearing earlier bindings) and runs `body` while the bound text is
    /// alive.
    private func withBinding<T>(
        _ values: [SQLiteValue], _ body: () throws(StorageError) -> T
    ) throws(StorageError)
        -> T
    {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        texts.removeAll(keepingCapacity: true)
        for value in values { if case .text(let v) = value { texts.append(contentsOf: v.utf8) } }
        texts.append(0)  // never empty: a nil pointer would bind NULL instead of ""
        return try texts.withUnsafeBufferPointer { (buffer) throws(StorageError) -> T in
            var offset = 0
            for (position, value) in values.enumerated() {
                let index = Int32(position + 1)
                let rc: Int32
                switch value {
                case .null: rc = sqlite3_bind_null(statement, index)
                case .int(let v): rc = sqlite3_bind_int64(statement, index, v)
                case .double(let v):
                    rc = v.isFinite ? sqlite3_bind_double(statement, index, v) : sqlite3_bind_null(statement, index)
                case .text(let v):
                    let length = v.utf8.count
                    rc = buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: length) {
                        sqlite3_bind_text(statement, index, $0, Int32(length), kagami_sqlite_static())
                    }
                    offset += length
                }
                guard rc == SQLITE_OK else { throw database.lastError(rc, context: "bind \(index)") }
            }
            return try body()
        }
    }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLiteValue] = []) throws(StorageError) {
        let rc = try withBinding(values) { sqlite3_step(statement) }
        sqlite3_reset(statement)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw database.lastError(rc, context: "step") }
    }

    /// Runs a query and returns every row as values.
    public func rows(_ values: [SQLiteValue] = []) throws(StorageError) -> [[SQLiteValue]] {
        defer { sqlite3_reset(statement) }
        return try withBinding(values) { () throws(StorageError) -> [[SQLiteValue]] in
            var result: [[SQLiteValue]] = []
            let columns = sqlite3_column_count(statement)
            while true {
                let rc = sqlite3_step(statement)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw database.lastError(rc, context: "step") }
                var row: [SQLiteValue] = []
                row.reserveCapacity(Int(columns))
                for column in 0..<columns {
                    switch sqlite3_column_type(statement, column) {
                    case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(statement, column)))
                    case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(statement, column)))
                    case SQLITE_NULL: row.append(.null)
                    default:
                        if let text = sqlite3_column_text(statement, column) {
                            row.append(.text(String(cString: text)))
                        } else {
                            row.append(.null)
                        }
                    }
                }
                result.append(row)
            }
            return result
        }
    }

    /// The first column of the first row as an integer.
    public func firstInt(_ values: [SQLiteValue] = []) throws(StorageError) -> Int {
        Int(try rows(values).first?.first?.int ?? 0)
    }
}
