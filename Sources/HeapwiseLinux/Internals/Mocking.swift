import Synchronization
import SystemPackage

/// Failure injection for the syscall funnel: a test binds a queue of errnos per call for the
/// duration of a closure, and the funnel returns them instead of calling the kernel. The queue
/// is task-local, so tests running in parallel never see each other's failures. Compiled into
/// debug builds only: release binaries pay nothing and cannot be made to fail this way.
enum Mocking {
    #if DEBUG
    final class Queue: Sendable {
        private let errors: Mutex<[Syscall: [Errno]]>
        init(_ errors: [Syscall: [Errno]]) { self.errors = Mutex(errors) }
        func pop(_ call: Syscall) -> Errno? {
            errors.withLock { queue in
                guard var pending = queue[call], !pending.isEmpty else { return nil }
                let first = pending.removeFirst()
                queue[call] = pending
                return first
            }
        }
        var remaining: Int { errors.withLock { $0.values.reduce(0) { $0 + $1.count } } }
    }

    @TaskLocal static var queue: Queue?

    @inline(__always)
    static func failure(for call: Syscall) -> Errno? { queue?.pop(call) }

    /// Runs `body` with `errors` injected; returns how many injected errors were not used.
    static func with<R>(_ errors: [Syscall: [Errno]], _ body: () throws -> R) rethrows -> (R, unused: Int) {
        let queue = Queue(errors)
        let result = try $queue.withValue(queue) { try body() }
        return (result, queue.remaining)
    }
    #else
    @inline(__always)
    static func failure(for call: Syscall) -> Errno? { nil }
    #endif
}
