import CFastCGI
import Synchronization
import Telemetry

#if canImport(Glibc)
    import Glibc
#endif

/// Why the server could not start.
public struct FastCGIServerError: Error, CustomStringConvertible {
    public let description: String
}

/// A threaded FastCGI server over libfcgi.
///
/// Each worker thread owns one `FCGX_Request` and calls `FCGX_Accept_r` itself, without an accept mutex:
/// with `fastcgi_keep_conn on` a thread stays bound to its connection, and a shared mutex would let one idle
/// kept connection stall every other thread. Size `threads` above the number of upstream connections nginx
/// can open. Workers start as they are needed: a few at first, then one more whenever fewer than
/// ``spareAcceptors`` are left waiting for a new connection, up to `threads` — an idle handler holds a handful
/// of threads, not 64 stacks. Once listening, it unmaps the clean code and constant pages startup touched
/// (``StartupPages``). SIGTERM/SIGINT stop accepting, let in-flight requests finish (up to
/// `drainSeconds`), remove the unix socket file and return from ``run(_:)``.
public final class FastCGIServer: Sendable {
    /// Server settings; every field has a default that suits a small VPS.
    public struct Configuration: Sendable {
        /// Where to listen. Default: the inherited socket on fd 0, as systemd's `StandardInput=socket` passes it.
        public var address: ListenAddress
        /// Worker threads at most, each serving one request at a time; started as connections need them.
        /// Default 64.
        public var threads: Int
        /// Largest body read into memory; larger requests are flagged, not read. Default 1 MiB.
        public var maxBodyBytes: Int
        /// How long SIGTERM waits for in-flight requests. Default 30 s.
        public var drainSeconds: Int
        /// `listen()` backlog. Default 1024.
        public var backlog: Int32

        public init(
            address: ListenAddress = .inherited(fd: 0), threads: Int = 64, maxBodyBytes: Int = 1 << 20,
            drainSeconds: Int = 30, backlog: Int32 = 1024
        ) {
            self.address = address
            self.threads = threads
            self.maxBodyBytes = maxBodyBytes
            self.drainSeconds = drainSeconds
            self.backlog = backlog
        }
    }

    public let configuration: Configuration
    /// Workers started at once; the rest start as they are needed.
    static let initialWorkers = 4
    /// Workers kept waiting in `accept()` for a new connection while there is room for more.
    static let spareAcceptors = 2
    private let workers = Atomic<Int>(0)
    /// Workers that will take a new connection next (a lower bound: a worker whose kept connection nginx closes
    /// becomes one unseen), so growth errs towards one thread too many, never one too few.
    private let acceptors = Atomic<Int>(0)
    private let inFlight = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let log: @Sendable (String) -> Void

    public init(configuration: Configuration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.log = log
    }

    /// Sets up a handler process; call first thing in `main`, before anything starts a thread (stores,
    /// exporters):
    /// - blocks the stop signals (``blockStopSignals()``);
    /// - caps glibc's malloc arenas at two. By default each thread that meets a busy arena gets its own, up to 8 per
    ///   core, and every arena keeps the memory its thread freed: with 64 workers that was 3 MB of ChatHandler's
    ///   RSS under load, for no measurable gain in speed.
    public static func prepareProcess() {
        blockStopSignals()
        _ = kagami_limit_malloc_arenas(2)
    }

    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later, and ignores SIGPIPE.
    /// A thread that leaves them unblocked would receive them, and libfcgi's handler would swallow the stop request.
    public static func blockStopSignals() {
        signal(SIGPIPE, SIG_IGN)
        var stopSignals = Self.stopSignals
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
    }

    private static var stopSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }

    /// Serves until SIGTERM or SIGINT, then drains and returns. Call from the main thread, once, after
    /// ``blockStopSignals()``.
    public func run(_ responder: some Responder) throws(FastCGIServerError) {
        // One thread collects the stop signals with sigwait; all others have them blocked.
        Self.blockStopSignals()
        var stopSignals = Self.stopSignals

        guard FCGX_Init() == 0 else { throw FastCGIServerError(description: "FCGX_Init failed") }
        let listenFD = try openListenSocket()
        log(
            "listening on \(configuration.address) with up to \(configuration.threads) threads "
                + "(\(min(Self.initialWorkers, configuration.threads)) started, more as connections need them)")

        for _ in 0..<Self.initialWorkers { startWorker(listenFD: listenFD, responder: responder) }
        let released = StartupPages.release()
        if released > 0 { log(StartupPages.describe(released)) }

        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        stopping.store(true, ordering: .sequentiallyConsistent)
        log("signal \(received): stopping, draining \(inFlight.load(ordering: .relaxed)) in-flight request(s)")
        FCGX_ShutdownPending()
        // Wakes every thread blocked in accept(); threads bound to idle kept connections stay parked and
        // simply end with the process.
        shutdown(listenFD, Int32(SHUT_RDWR))

        let deadline = monotonicSeconds() + Double(configuration.drainSeconds)
        while inFlight.load(ordering: .sequentiallyConsistent) > 0 && monotonicSeconds() < deadline {
            usleep(10_000)
        }
        let left = inFlight.load(ordering: .sequentiallyConsistent)
        if left > 0 { log("drain deadline passed with \(left) request(s) still running") }
        close(listenFD)
        if case .unix(let path, _) = configuration.address { unlink(path) }
        log("stopped")
    }

    private func openListenSocket() throws(FastCGIServerError) -> Int32 {
        switch configuration.address {
        case .inherited(let fd):
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let isSocket = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
            }
            guard isSocket else {
                throw FastCGIServerError(
                    description: "fd \(fd) is not a socket: pass --socket PATH or --listen HOST:PORT, "
                        + "or start under systemd with the kagami-chat.socket unit")
            }
            return fd
        case .unix(let path, let mode):
            unlink(path)  // a stale file from a crash would make bind() fail
            let fd = FCGX_OpenSocket(path, configuration.backlog)
            guard fd >= 0 else {
                throw FastCGIServerError(description: "cannot listen on unix socket \(path): \(errnoText())")
            }
            chmod(path, mode_t(mode))
            return fd
        case .tcp(let host, let port):
            let fd = FCGX_OpenSocket("\(host):\(port)", configuration.backlog)
            guard fd >= 0 else {
                throw FastCGIServerError(description: "cannot listen on \(host):\(port): \(errnoText())")
            }
            return fd
        }
    }

    /// Starts one more worker unless `threads` are running.
    private func startWorker(listenFD: Int32, responder: some Responder) {
        var current = workers.load(ordering: .relaxed)
        while current < configuration.threads {
            let (exchanged, original) = workers.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                acceptors.add(1, ordering: .relaxed)
                spawnThread(name: "fcgi-worker") { [self] in self.serve(listenFD: listenFD, responder: responder) }
                return
            }
            current = original
        }
    }

    private func serve(listenFD: Int32, responder: some Responder) {
        guard let request = kagami_fcgx_request_new(listenFD) else {
            log("cannot allocate a FastCGI request; worker thread exits")
            return
        }
        defer { kagami_fcgx_request_free(request) }
        let writer = FastCGIResponseWriter(request: request)
        var keptConnection = false
        while !stopping.load(ordering: .relaxed) {
            guard FCGX_Accept_r(request) >= 0 else {
                if stopping.load(ordering: .relaxed) { break }
                usleep(1000)  // transient accept error (EMFILE…): do not spin
                continue
            }
            if !keptConnection && acceptors.subtract(1, ordering: .relaxed).newValue < Self.spareAcceptors {
                // This worker took a new connection: keep a spare or two waiting for the next one.
                startWorker(listenFD: listenFD, responder: responder)
            }
            inFlight.add(1, ordering: .sequentiallyConsistent)
            let httpRequest = readRequest(request)
            writer.reset()
            responder.respond(to: httpRequest, writer: writer)
            if !writer.hasStarted {
                // A responder must answer; if it did not, the client still gets a well-formed error.
                writer.sendFallbackError()
            }
            FCGX_Finish_r(request)
            inFlight.subtract(1, ordering: .sequentiallyConsistent)
            // libfcgi closes the connection unless nginx asked to keep it; then this worker accepts again.
            keptConnection = request.pointee.ipcFd >= 0
            if !keptConnection { acceptors.add(1, ordering: .relaxed) }
        }
    }

    private func readRequest(_ request: UnsafeMutablePointer<FCGX_Request>) -> HTTPRequest {
        var params: [String: String] = [:]
        params.reserveCapacity(32)
        if var cursor = request.pointee.envp {
            while let entry = cursor.pointee {
                if let equals = strchr(entry, 61 /* = */) {
                    let nameLength = entry.distance(to: equals)
                    let name = entry.withMemoryRebound(to: UInt8.self, capacity: nameLength) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: nameLength), as: UTF8.self)
                    }
                    params[name] = String(cString: equals + 1)
                }
                cursor += 1
            }
        }
        var result = HTTPRequest(params: params)
        let declared = result.contentLength ?? 0
        if declared > configuration.maxBodyBytes {
            result.bodyExceedsLimit = true
            return result
        }
        // Read what was sent; CONTENT_LENGTH may be absent (chunked upload), so read to end of stream.
        var body = [UInt8](repeating: 0, count: max(declared, 4096))
        var filled = 0
        while true {
            if filled == body.count {
                if body.count > configuration.maxBodyBytes {
                    result.bodyExceedsLimit = true
                    break
                }
                body.append(contentsOf: repeatElement(0, count: body.count))
            }
            let n = body.withUnsafeMutableBytes { buffer in
                FCGX_GetStr(
                    buffer.baseAddress!.advanced(by: filled).assumingMemoryBound(to: CChar.self),
                    Int32(buffer.count - filled), request.pointee.in)
            }
            if n <= 0 { break }
            filled += Int(n)
        }
        if filled > configuration.maxBodyBytes { result.bodyExceedsLimit = true }
        body.removeSubrange(min(filled, body.count)...)
        result.body = body
        return result
    }
}

/// Writes a response into a libfcgi output stream. One per worker thread, reused across requests.
final class FastCGIResponseWriter: ResponseWriter {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private(set) var hasStarted = false
    private var clientGone = false
    /// The connection is polled at most once per ``peerCheckIntervalNs``: a backend streaming tokens asks after
    /// every chunk, and a chat answered within the interval needs no poll(2) at all.
    private var nextPeerCheckNs: UInt64 = 0
    static let peerCheckIntervalNs: UInt64 = 10_000_000

    init(request: UnsafeMutablePointer<FCGX_Request>) { self.request = request }

    func reset() {
        hasStarted = false
        clientGone = false
        nextPeerCheckNs = monotonicNs() + Self.peerCheckIntervalNs
    }

    func start(status: Int, headers: [(String, String)]) throws(ClientGoneError) {
        precondition(!hasStarted, "response started twice")
        hasStarted = true
        var head = "Status: \(status) \(reasonPhrase(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        try write(head)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ClientGoneError) {
        if clientGone { throw ClientGoneError() }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let written = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), request.pointee.out)
        if written != Int32(bytes.count) {
            clientGone = true
            throw ClientGoneError()
        }
    }

    func flush() throws(ClientGoneError) {
        if clientGone { throw ClientGoneError() }
        if FCGX_FFlush(request.pointee.out) != 0 {
            clientGone = true
            throw ClientGoneError()
        }
    }

    var isClientConnected: Bool {
        if clientGone { return false }
        let now = monotonicNs()
        guard now >= nextPeerCheckNs else { return true }
        nextPeerCheckNs = now + Self.peerCheckIntervalNs
        if kagami_fcgx_peer_gone(request) != 0 { clientGone = true }
        return !clientGone
    }

    func sendFallbackError() {
        try? start(status: 500, headers: [("Content-Type", "application/json")])
        try? write(#"{"error":{"code":"internal","message":"the handler produced no response"}}"#)
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func errnoText() -> String { String(cString: strerror(errno)) }
