import Synchronization
import Testing

@testable import ChatService

#if canImport(Glibc)
    import Glibc
#endif

@Test func admitsUpToTheLimitThenQueuesThenRefuses() throws {
    let gate = AdmissionGate(maxConcurrency: 1, maxQueue: 1)
    #expect(try gate.acquire(timeoutMs: 10) == 0)
    let waiter = Atomic<Int>(0)
    // A second request waits; a third finds the queue full.
    let thread = Thread { waiter.store((try? gate.acquire(timeoutMs: 5_000)) != nil ? 1 : 2, ordering: .relaxed) }
    while gate.depth.waiting == 0 { usleep(1_000) }
    #expect(throws: AdmissionGate.Refusal.queueFull) { try gate.acquire(timeoutMs: 10) }
    gate.release()
    thread.join()
    #expect(waiter.load(ordering: .relaxed) == 1)
    #expect(gate.depth.running == 1)
    gate.release()
    #expect(gate.depth.running == 0)
}

@Test func waitingPastTheDeadlineIsRefused() throws {
    let gate = AdmissionGate(maxConcurrency: 1, maxQueue: 4)
    _ = try gate.acquire(timeoutMs: 10)
    #expect {
        _ = try gate.acquire(timeoutMs: 50)
    } throws: { error in
        guard case .timedOut(let waited) = error as? AdmissionGate.Refusal else { return false }
        return waited >= 45
    }
    // The timed-out waiter gave up its place: the next one is served as soon as a slot frees.
    gate.release()
    #expect(try gate.acquire(timeoutMs: 10) == 0)
}

@Test func queueIsFirstComeFirstServed() throws {
    let gate = AdmissionGate(maxConcurrency: 1, maxQueue: 8)
    _ = try gate.acquire(timeoutMs: 10)
    let order = Mutex<[Int]>([])
    var threads: [Thread] = []
    for index in 0..<4 {
        threads.append(
            Thread {
                _ = try? gate.acquire(timeoutMs: 5_000)
                order.withLock { $0.append(index) }
                gate.release()
            })
        while gate.depth.waiting < index + 1 { usleep(1_000) }
    }
    gate.release()
    for thread in threads { thread.join() }
    #expect(order.withLock { $0 } == [0, 1, 2, 3])
}

/// A joinable pthread for tests.
final class Thread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(
            &handle, nil,
            { context in
                Unmanaged<Thread>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, context)
    }

    func join() { pthread_join(handle, nil) }
}
