import HeapwiseCore

/// A heap of a plan that could not allocate, and why: what `heapwise plan --allocate` lists
/// under "fell back", and what the C API reports per attempt.
public struct FailedHeapAttempt: Hashable, Sendable, CustomStringConvertible {
    public var heap: String
    public var error: LinuxError

    public init(heap: String, error: LinuxError) {
        self.heap = heap
        self.error = error
    }

    /// Short: the errno (`ENOMEM`), or the message when the kernel gave none.
    public var reason: String { error.errno.map { "\($0)" } ?? error.message }
    public var description: String { "\(heap): \(error.message)" }
}

/// The heap fallback, once for every caller (fresh allocation, a pool, the broker): try the
/// plan's heap, then its fallback heaps in the resolver's order, moving on only when a heap
/// is out of memory (ENOMEM: an exhausted CMA area), not ours to open (EACCES, EPERM: a 0600
/// node) or gone (ENODEV, ENOENT); any other error is not the heap's fault and stops the walk.
public enum HeapFallback {
    /// Whether `error` lets the walk try the next heap.
    public static func movesOn(after error: LinuxError) -> Bool {
        error.code == .outOfMemory || error.code == .permissionDenied || error.code == .notFound
    }

    /// The plan's heap and its fallback heaps, as catalog entries, in the order to try them.
    public static func candidates(for plan: Plan, in catalog: HeapCatalog) -> [Heap] {
        [plan.heap] + plan.fallbackHeaps.compactMap { name in catalog.heaps.first { $0.name == name } }
    }

    /// What a walk produced: the value, the heap that gave it, and the heaps tried before.
    public struct Outcome<Value> {
        public var value: Value
        public var heap: Heap
        public var failedAttempts: [FailedHeapAttempt]
    }

    /// Runs `attempt` on each heap in turn until one succeeds. `attempt` must leave nothing
    /// behind when it throws (buffers it took are released as its locals go away). When every
    /// heap fails, the error is the last one's, with every attempt named in the message and
    /// kept in `failedAttempts`.
    ///
    /// - Parameter what: what was being allocated, for the message (`8 × 3 MiB`).
    public static func walk<Value>(
        _ heaps: [Heap], allocating what: String, _ attempt: (Heap) throws(LinuxError) -> Value
    ) throws(LinuxError) -> Outcome<Value> {
        var failures: [FailedHeapAttempt] = []
        for heap in heaps {
            do {
                return Outcome(value: try attempt(heap), heap: heap, failedAttempts: failures)
            } catch where movesOn(after: error) {
                failures.append(FailedHeapAttempt(heap: heap.name, error: error))
            }
        }
        var last = failures.last?.error ?? LinuxError(code: .failed, operation: .allocate, message: "no heap to allocate from")
        last.message = "no heap of the plan could allocate \(what): " + failures.map(\.description).joined(separator: "; ")
        last.failedAttempts = failures
        throw last
    }
}
