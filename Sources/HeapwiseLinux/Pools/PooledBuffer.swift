import Synchronization

/// A buffer lent by a `BufferPool` to one owner, which goes back to the pool exactly once: by
/// `release(keepContents:)`, or when the last reference goes away (then without keeping
/// contents). A class rather than a noncopyable value so that an image's buffers fit in an
/// array; using a lease after releasing it is a programmer error and traps, since the buffer
/// may already be another owner's.
///
/// The CPU mapping is the pool's, made once when the buffer was allocated; `withCPUAccess`
/// only brackets it with `DMA_BUF_IOCTL_SYNC`.
public final class PooledBuffer: @unchecked Sendable {
    /// The pool's buffer while this lease holds it; nil once released, so a lease kept around
    /// after release holds no descriptor or mapping the pool no longer counts. Only the
    /// releasing call writes it (after winning `released`).
    nonisolated(unsafe) private var entry: PoolEntry?
    private let pool: BufferPool
    public let owner: PoolOwner
    /// Whether this lease came from the pool's free list (a hit) rather than the kernel.
    public let reused: Bool
    public let key: PoolKey
    /// The dma-buf's inode: the same buffer has the same inode in every lease.
    public let inode: UInt64
    private let released = Atomic<Bool>(false)

    init(entry: PoolEntry, pool: BufferPool, owner: PoolOwner, reused: Bool) {
        self.entry = entry
        self.pool = pool
        self.owner = owner
        self.reused = reused
        key = entry.key
        inode = entry.inode
    }

    private var held: PoolEntry {
        guard !released.load(ordering: .acquiring), let entry else {
            preconditionFailure("use of a pooled buffer after release (\(key))")
        }
        return entry
    }

    public var size: Int { key.size }
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
        guard exchanged, let entry else { preconditionFailure("a pooled buffer released twice (\(key))") }
        self.entry = nil
        pool.giveBack(entry, from: owner, keepContents: keepContents)
    }

    deinit {
        if !released.load(ordering: .acquiring), let entry { pool.giveBack(entry, from: owner, keepContents: false) }
    }
}
