import CHeapwiseLinux

/// Threads for work that parallelises (the `/proc` walk of `heapwise stats`, `bench broker`'s
/// clients): the shim starts pthreads (`hw_run_concurrently`), each runs one part.
extension Syscalls {
    /// `body(i)` for every `i` in `0..<count` (at most 64, the shim's thread table), each on
    /// its own thread, the results in index order. A thread that cannot be started runs its
    /// part on the caller's thread instead. Under a mocking script every part runs on the
    /// caller's thread: the script is task-local, and a pthread would not see it.
    static func concurrently<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        precondition((0...64).contains(count), "concurrently runs at most 64 parts")
        #if DEBUG
        if Mocking.script != nil { return (0..<count).map(body) }
        #endif
        return withoutActuallyEscaping(body) { body in
            let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
            slots.initialize(repeating: nil)
            defer { slots.deinitialize(); slots.deallocate() }
            let job: ConcurrentWork = ConcurrentJob(slots: slots, body: body)
            let context = Unmanaged.passRetained(job)
            defer { context.release() }
            _ = hw_run_concurrently(Int32(count), context.toOpaque()) { raw, index in
                guard let raw else { return }
                Unmanaged<ConcurrentWork>.fromOpaque(raw).takeUnretainedValue().run(Int(index))
            }
            return slots.map { $0.unsafelyUnwrapped }
        }
    }
}

/// What `Syscalls.concurrently` hands each thread (a C callback cannot be generic).
private class ConcurrentWork: @unchecked Sendable {
    func run(_ index: Int) {}
}

/// The body and the slots: each thread writes its own slot only.
private final class ConcurrentJob<T>: ConcurrentWork, @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<T?>
    let body: (Int) -> T
    init(slots: UnsafeMutableBufferPointer<T?>, body: @escaping (Int) -> T) {
        self.slots = slots
        self.body = body
    }
    override func run(_ index: Int) { slots[index] = body(index) }
}

/// Work split across threads, for benchmarks above this module (`bench broker`'s clients):
/// `body(i)` for `i` in `0..<count` (at most 64), each on its own thread, results in order.
public enum Threads {
    public static func run<T>(_ count: Int, _ body: (Int) -> T) -> [T] { Syscalls.concurrently(count, body) }

    /// Blocks the calling thread for `duration` (`nanosleep`).
    public static func sleep(_ duration: Duration) { Syscalls.sleep(duration) }
}
