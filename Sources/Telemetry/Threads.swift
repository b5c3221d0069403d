#if canImport(Glibc)
    import Glibc
#endif

/// Carries a closure through pthread_create's `void *` argument.
private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Starts a detached-from-Swift pthread running `body`; returns its handle for joining.
///
/// The entry point is a capture-less closure (a capturing one crashes swift-frontend 6.3.1 in Swift 6 mode);
/// the body travels through the context pointer.
///
/// `name` names the thread (seen in `top -H`). `background: true` runs it at a lower CPU priority (nice +``backgroundNiceness``, the thread only): telemetry
/// threads — building traces, writing the store — then yield to request threads when the cores are busy, so
/// they add work but not latency. Lowering one's own priority needs no privilege.
@discardableResult
public func spawnThread(
    name: String? = nil, stackSize: Int = 512 * 1024, background: Bool = false,
    _ body: @escaping @Sendable () -> Void
) -> pthread_t {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, stackSize)
    defer { pthread_attr_destroy(&attributes) }
    let run: @Sendable () -> Void = {
        // Named threads show in `top -H`, `ps -L` and perf (15 bytes at most).
        if let name { nameCurrentThread(name) }
        // On Linux, niceness is per thread, and `who` 0 is the calling thread (setpriority(2), NOTES).
        if background { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, backgroundNiceness) }
        body()
    }
    let context = Unmanaged.passRetained(ThreadBody(run)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(
        &thread, &attributes,
        { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    return thread
}

/// How much lower than request threads background threads run (nice value, 0…19).
public let backgroundNiceness: Int32 = 10

/// Names the calling thread (`pthread_setname_np` is not visible from Swift's Glibc module; this is what it does).
private func nameCurrentThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}
