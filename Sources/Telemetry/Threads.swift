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
@discardableResult
public func spawnThread(stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) -> pthread_t {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, stackSize)
    defer { pthread_attr_destroy(&attributes) }
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
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
