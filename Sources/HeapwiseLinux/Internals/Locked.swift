import Glibc

/// A value behind a pthread mutex: the pool's lock. Not `Synchronization.Mutex`, which on Linux
/// is a bare futex that ThreadSanitizer cannot see, so it reports every access to the guarded
/// value as a race; pthread mutexes are intercepted, so a race TSan reports here is real
/// (`scripts/sanitize.sh thread`). Uncontended, both cost one atomic operation.
final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, the lock held; `body` must not block (no syscalls).
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
