import FastCGI
import Storage
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// The dashboard's read-only query API: `GET /obs/api/{overview,traces,trace/ID,evaluations,infrastructure,rum}`.
///
/// Every request must carry the shared secret nginx adds (`X-Kagami-Dashboard-Key`), so the API stays closed
/// even when nginx's own protection is misconfigured. Answers are JSON with stable field names (README
/// "Dashboard"); errors are `{"error":{"code","message"}}`.
public struct DashboardResponder: Responder {
    /// What the API needs besides the store.
    public struct Settings: Sendable {
        /// The shared secret; requests without it get 401, with another value 403.
        public var key: String
        /// Currency of `cost` fields.
        public var currency: String
        /// The path prefix nginx forwards (default `/obs/api/`).
        public var prefix: String

        public init(key: String, currency: String = "USD", prefix: String = "/obs/api/") {
            self.key = key
            self.currency = currency
            self.prefix = prefix
        }
    }

    let settings: Settings
    let pool: QueryPool
    let nowMs: @Sendable () -> Int64

    /// A responder over the store at `databasePath`; `nowMs` is the clock (tests pin it).
    public init(settings: Settings, databasePath: String, nowMs: @escaping @Sendable () -> Int64 = wallClockMs) {
        self.settings = settings
        self.pool = QueryPool(path: databasePath)
        self.nowMs = nowMs
    }

    public func respond(to request: HTTPRequest, writer: any ResponseWriter) {
        let (status, body) = answer(request)
        let text = body.serialized()
        do throws(ClientGoneError) {
            try writer.start(
                status: status,
                headers: [
                    ("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                ])
            if request.method != "HEAD" { try writer.write(text) }
        } catch {
            return  // the client left; nothing to do
        }
    }

    /// Status and JSON body for `request` (public so tests and benchmarks can call it without a writer).
    public func answer(_ request: HTTPRequest) -> (Int, JSONValue) {
        do throws(DashboardError) {
            try authorize(request)
            guard request.method == "GET" || request.method == "HEAD" else {
                throw DashboardError(
                    status: 405, code: "method_not_allowed", message: "the dashboard API is read-only: use GET")
            }
            return (200, try route(request))
        } catch {
            return (error.status, error.json)
        }
    }

    func authorize(_ request: HTTPRequest) throws(DashboardError) {
        guard let given = request.header("X-Kagami-Dashboard-Key"), !given.isEmpty else {
            throw DashboardError(
                status: 401, code: "unauthorized",
                message: "the dashboard API is only reachable through Kagami's nginx (missing credential)")
        }
        guard Self.constantTimeEqual(Array(given.utf8), Array(settings.key.utf8)) else {
            throw DashboardError(status: 403, code: "forbidden", message: "wrong dashboard credential")
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    func route(_ request: HTTPRequest) throws(DashboardError) -> JSONValue {
        let path = request.path
        guard path.hasPrefix(settings.prefix) else { throw notFound(path) }
        let endpoint = String(path.dropFirst(settings.prefix.count))
        let query = request.params["QUERY_STRING"] ?? ""
        let now = nowMs()
        do {
            switch endpoint {
            case "overview":
                let p = try QueryParameters(query: query, allowed: ["window", "step", "to"])
                let window = try SeriesWindow(p, nowMs: now, defaultMs: 3_600_000)
                return try pool.with { q throws(StorageError) in try overview(q, window) }
            case "traces":
                let p = try QueryParameters(
                    query: query,
                    allowed: [
                        "from", "to", "window", "route", "model", "status", "label", "session", "min_ms", "q", "cursor",
                        "limit",
                    ])
                let filter = try Self.traceFilter(p, nowMs: now)
                return try pool.with { q throws(StorageError) in try traces(q, filter) }
            case "evaluations":
                let p = try QueryParameters(query: query, allowed: ["window", "step", "to"])
                let window = try SeriesWindow(p, nowMs: now, defaultMs: 86_400_000)
                return try pool.with { q throws(StorageError) in try evaluations(q, window) }
            case "infrastructure":
                let p = try QueryParameters(query: query, allowed: ["window", "step", "to"])
                let window = try SeriesWindow(p, nowMs: now, defaultMs: 3_600_000)
                return try pool.with { q throws(StorageError) in try infrastructure(q, window) }
            case "rum":
                let p = try QueryParameters(query: query, allowed: ["window", "to"])
                let window = try SeriesWindow(p, nowMs: now, defaultMs: 86_400_000)
                return try pool.with { q throws(StorageError) in try rum(q, window) }
            default:
                guard endpoint.hasPrefix("trace/") else { throw notFound(path) }
                _ = try QueryParameters(query: query, allowed: [])
                let id = String(endpoint.dropFirst(6))
                guard (8...32).contains(id.count), id.allSatisfy(Characters.hex) else {
                    throw DashboardError.invalid("trace id", "expected 8–32 lower-case hex digits")
                }
                return try pool.with { q throws(StorageError) in try trace(q, id) }
            }
        } catch let error as DashboardError {
            throw error
        } catch let error as StorageError {
            throw DashboardError(
                status: 503, code: "store_unavailable", message: "the telemetry store could not be read (\(error.kind))"
            )
        } catch {
            throw DashboardError(status: 500, code: "internal", message: "unexpected error")
        }
    }

    func notFound(_ path: String) -> DashboardError {
        DashboardError(
            status: 404, code: "not_found",
            message: "no such endpoint; try overview, traces, trace/ID, evaluations, infrastructure or rum")
    }
}

/// Milliseconds since the epoch, from the system clock.
public func wallClockMs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
