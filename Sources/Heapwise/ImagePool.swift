import HeapwiseCore
import HeapwiseLinux

/// Lends a plan's images to owners in turn and takes them back, reusing the dma-bufs (and
/// their CPU mappings) instead of allocating again: a `BufferPool` sized for the plan, with
/// the pool's owner rule (an image released by one owner reaches any other owner zeroed).
///
/// The heap fallback runs on every acquire that must allocate, starting from the heap that
/// last gave buffers, so an exhausted CMA area costs one failed attempt, not one per image.
public final class ImagePool {
    /// One image lent to one owner: its dma-bufs, with their layout.
    public final class Image {
        /// The image's dma-bufs (one per memory region of the layout), each with its planes.
        public let buffers: [PooledBuffer]
        public let planes: [[PipelinePlan.Plane]]
        public let owner: PoolOwner
        private var released = false

        init(buffers: [PooledBuffer], planes: [[PipelinePlan.Plane]], owner: PoolOwner) {
            self.buffers = buffers
            self.planes = planes
            self.owner = owner
        }

        /// Whether every buffer came from the pool rather than the kernel.
        public var reused: Bool { buffers.allSatisfy(\.reused) }

        /// Gives the image back. With `keepContents`, the same owner may get it back unzeroed;
        /// anyone else gets zeros. Undo every device import first: the next owner's bytes will
        /// be in it. Releasing twice traps.
        public func release(keepContents: Bool = false) {
            precondition(!released, "an image released twice")
            released = true
            for buffer in buffers { buffer.release(keepContents: keepContents) }
        }
    }

    public let plan: PipelinePlan.Choice
    let layout: ImageLayout
    let allocator: PlanAllocator
    let pool: BufferPool
    /// The heaps to try, the one that last gave buffers first.
    private var heaps: [Heap]
    /// Heaps that failed on the way to the current one.
    public private(set) var failedAttempts: [FailedHeapAttempt] = []

    init(plan: PipelinePlan.Choice, layout: ImageLayout, heaps: [Heap], allocator: PlanAllocator, idleImages: Int) {
        self.plan = plan
        self.layout = layout
        self.heaps = heaps
        self.allocator = allocator
        let limits = BufferPool.Limits(idleBuffers: max(1, idleImages) * layout.buffers.count, idleBytes: Int.max)
        pool = BufferPool(perList: limits, overall: limits, maxIdleAge: nil)
    }

    /// The heap buffers come from now (the plan's, or the fallback that last served).
    public var heap: String { heaps.first?.name ?? plan.heap }

    /// One image for `owner`: reused from the pool when one is idle (zeroed unless `owner`
    /// released it with `keepContents`), else allocated along the plan's heaps.
    public func acquire(owner: PoolOwner, name: String? = nil) throws(HeapwiseFailure) -> Image {
        let lent: PooledPlan
        do { lent = try allocator.acquire(layout, count: 1, heaps: heaps, from: pool, owner: owner, name: name) } catch { throw .kernel(error) }
        if !lent.failedAttempts.isEmpty, let index = heaps.firstIndex(of: lent.heap) {
            failedAttempts += lent.failedAttempts
            heaps = Array(heaps[index...])
        }
        let planes = plan.buffers.map(\.planes)
        return Image(buffers: lent.images[0], planes: planes, owner: owner)
    }

    /// Hits, misses, bytes zeroed and what the pool holds (`heapwise plan --reuse` prints them).
    public func statistics() -> PoolStatistics { pool.statistics() }

    /// Frees every idle buffer now.
    public func trim() { _ = pool.trim() }
}
