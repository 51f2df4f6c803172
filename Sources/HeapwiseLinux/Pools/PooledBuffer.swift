import Synchronization

/// A buffer lent by a `BufferPool` to one owner, which goes back to the pool exactly once: by
/// `release(keepContents:)`, or when the last reference goes away (then without keeping
/// contents). A class rather than a noncopyable value so that an image's buffers fit in an
/// array; using a lease after releasing it is a programmer error and traps, since the buffer
/// may already be another owner's.
///
/// The CPU mapping is the pool's, made once when the buffer was allocated; `withCPUAccess`
/// only brackets it with `DMA_BUF_IOCTL_SYNC`.
public final class PooledBuffer: Sendable {
    private let entry: PoolEntry
    private let pool: BufferPool
    public let owner: PoolOwner
    /// Whether this lease came from the pool's free list (a hit) rather than the kernel.
    public let reused: Bool
    private let released = Atomic<Bool>(false)

    init(entry: PoolEntry, pool: BufferPool, owner: PoolOwner, reused: Bool) {
        self.entry = entry
        self.pool = pool
        self.owner = owner
        self.reused = reused
    }

    private var held: PoolEntry {
        precondition(!released.load(ordering: .acquiring), "use of a pooled buffer after release (\(entry.key))")
        return entry
    }

    public var size: Int { entry.key.size }
    public var key: PoolKey { entry.key }
    /// The dma-buf's inode: the same buffer has the same inode in every lease.
    public var inode: UInt64 { entry.inode }
    /// The dma-buf, to import into a device or name; the pool still owns it (do not close it).
    public var buffer: DMABuf { held.buffer }

    /// CPU access through the kept mapping, bracketed by `DMA_BUF_IOCTL_SYNC` START/END.
    public func withCPUAccess<R>(_ access: CPUAccess, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R {
        try held.withSync(access, body)
    }

    /// The kept mapping without `DMA_BUF_IOCTL_SYNC`, for the benchmark's bare `memset`.
    func withMapping<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        body(held.mapping)
    }

    /// Gives the buffer back. With `keepContents`, the next lease to this same owner may be
    /// this buffer, unzeroed; any other owner gets it zeroed. Releasing twice traps.
    public func release(keepContents: Bool = false) {
        let (exchanged, _) = released.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
        precondition(exchanged, "a pooled buffer released twice (\(entry.key))")
        pool.giveBack(entry, from: owner, keepContents: keepContents)
    }

    deinit {
        if !released.load(ordering: .acquiring) { pool.giveBack(entry, from: owner, keepContents: false) }
    }
}
