import HeapwiseCore

/// The buffers of one plan, allocated: `images[i][b]` is buffer `b` of image `i` (one per
/// plane group of the layout).
public struct AllocatedPlan {
    public let images: [[DMABuf]]
    /// The heap the buffers came from.
    public let heap: Heap
    /// Heaps tried before it, and why each failed.
    public let failedAttempts: [FailedHeapAttempt]
}

/// A plan's images lent by a `BufferPool`: `images[i][b]` as in `AllocatedPlan`.
public struct PooledPlan {
    public let images: [[PooledBuffer]]
    public let heap: Heap
    public let failedAttempts: [FailedHeapAttempt]
}

/// Allocates a plan's buffers, fresh or from a pool, walking the plan's heaps with
/// `HeapFallback`, and names every dma-buf `NAME-IMAGE.BUFFER` (`DMA_BUF_SET_NAME`) so
/// `/proc/<pid>/fdinfo` and `heapwise stats` tell them apart. All or nothing: when a heap
/// fails part-way, what it gave is released before the next is tried.
public struct PlanAllocator {
    /// Opens an allocator for a heap of the catalog.
    public var open: (Heap) throws(LinuxError) -> BufferAllocator

    public init(open: @escaping (Heap) throws(LinuxError) -> BufferAllocator = PlanAllocator.liveAllocator) {
        self.open = open
    }

    /// The allocator for a heap of this machine: its dma-buf heap node, ION, udmabuf or memfd.
    public static func liveAllocator(for heap: Heap) throws(LinuxError) -> BufferAllocator {
        switch heap.kind {
        case .memfd: return Memfd()
        case .udmabuf: return try Udmabuf()
        default: return heap.isION ? try IONHeap(heap) : try DMAHeap(heap)
        }
    }

    /// `count` images of a plan's buffers, fresh, from its heap or else its fallback heaps
    /// (looked up in `catalog`, the catalog the plan was made against).
    public func allocate(_ plan: Plan, count: Int, catalog: HeapCatalog, name: String? = nil) throws(LinuxError) -> AllocatedPlan {
        try allocate(plan.layout, count: count, heaps: HeapFallback.candidates(for: plan, in: catalog), name: name)
    }

    /// `count` images of fresh buffers from the first of `heaps` that can give them all.
    public func allocate(_ layout: ImageLayout, count: Int, heaps: [Heap], name: String?) throws(LinuxError) -> AllocatedPlan {
        let outcome = try HeapFallback.walk(heaps, allocating: Self.what(layout, count)) { (heap) throws(LinuxError) -> [[DMABuf]] in
            let allocator = try open(heap)
            var images: [[DMABuf]] = []
            images.reserveCapacity(count)
            for image in 0..<count {
                var buffers: [DMABuf] = []
                for (index, buffer) in layout.buffers.enumerated() {
                    let dmaBuf = try allocator.allocate(byteCount: buffer.size)
                    if let name, dmaBuf.isDMABuf { try dmaBuf.setName(BufferName.make(name, image: image, buffer: index)) }
                    buffers.append(dmaBuf)
                }
                images.append(buffers)
            }
            return images
        }
        return AllocatedPlan(images: outcome.value, heap: outcome.heap, failedAttempts: outcome.failedAttempts)
    }

    /// `count` images lent by `pool` to `owner`, from the first of `heaps` that can give them
    /// all; a heap that fails part-way gets back what it lent.
    public func acquire(_ layout: ImageLayout, count: Int, heaps: [Heap], from pool: BufferPool, owner: PoolOwner,
                        name: String?) throws(LinuxError) -> PooledPlan {
        let outcome = try HeapFallback.walk(heaps, allocating: Self.what(layout, count)) { (heap) throws(LinuxError) -> [[PooledBuffer]] in
            let allocator = try open(heap)
            var images: [[PooledBuffer]] = []
            do throws(LinuxError) {
                for image in 0..<count {
                    var leases: [PooledBuffer] = []
                    for (index, buffer) in layout.buffers.enumerated() {
                        let lease = try pool.acquire(from: allocator, byteCount: buffer.size, owner: owner)
                        leases.append(lease)
                        if let name, lease.buffer.isDMABuf { try lease.buffer.setName(BufferName.make(name, image: image, buffer: index)) }
                    }
                    images.append(leases)
                }
            } catch {
                // Leases not yet in `images` go back as `leases` goes away; these explicitly,
                // so the pool has them before the next heap is tried.
                for lease in images.joined() { lease.release() }
                // Out of memory: what this heap's lists hold idle goes back to it before the
                // next heap is tried. Other heaps' idle buffers, other owners' among them, stay.
                if error.code == .outOfMemory { _ = pool.trim(heap: heap.name) }
                throw error
            }
            return images
        }
        return PooledPlan(images: outcome.value, heap: outcome.heap, failedAttempts: outcome.failedAttempts)
    }

    static func what(_ layout: ImageLayout, _ count: Int) -> String {
        "\(count) × \(ByteCount.format(layout.size))"
    }
}
