/// A buffer lent by a `BufferPool` to one owner, which goes back to the pool exactly once: by
/// `release(keepContents:)`, or when the last reference goes away (then without keeping
/// contents). A class rather than a noncopyable value so that an image's buffers fit in an
/// array; using a lease after releasing it is a programmer error and traps, since the buffer
/// may already be another owner's. Not `Sendable`: a lease is its owner's, used from one
/// place at a time (the pool itself is shared across threads), so the compiler refuses a
/// release racing a use.
///
/// `buffer` lends the dma-buf for importing into devices; an import must be undone (the V4L2
/// queue freed, the DRM framebuffer removed) before the lease is released, since the next
/// owner's bytes will be in it. The pool cannot see imports.
///
/// The CPU mapping is the pool's, made once when the buffer was allocated; `withCPUAccess`
/// only brackets it with `DMA_BUF_IOCTL_SYNC`.
public final class PooledBuffer {
    /// The pool's buffer while this lease holds it; nil once released, so a lease kept around
    /// after release holds no descriptor or mapping the pool no longer counts.
    private var entry: PoolEntry?
    private let pool: BufferPool
    public let owner: PoolOwner
    /// Whether this lease came from the pool's free list (a hit) rather than the kernel.
    public let reused: Bool
    public let key: PoolKey
    /// The dma-buf's inode: the same buffer has the same inode in every lease.
    public let inode: UInt64

    init(entry: PoolEntry, pool: BufferPool, owner: PoolOwner, reused: Bool) {
        self.entry = entry
        self.pool = pool
        self.owner = owner
        self.reused = reused
        key = entry.key
        inode = entry.inode
    }

    private var held: PoolEntry {
        guard let entry else { preconditionFailure("use of a pooled buffer after release (\(key))") }
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
        guard let entry else { preconditionFailure("a pooled buffer released twice (\(key))") }
        self.entry = nil
        pool.giveBack(entry, from: owner, keepContents: keepContents)
    }

    deinit {
        if let entry { pool.giveBack(entry, from: owner, keepContents: false) }
    }
}
