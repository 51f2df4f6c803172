import HeapwiseCore

/// The buffers of one plan, allocated.
public struct AllocatedPlan {
    /// `images[i][b]`: buffer `b` of image `i` (one per plane group of the layout).
    public let images: [[DMABuf]]
    /// The heap the buffers came from.
    public let heap: Heap
    /// Heaps tried before it, and why each failed.
    public let failedAttempts: [(heap: String, error: LinuxError)]
}

/// Allocates a plan's buffers, falling back along the plan's ranked heap list when the
/// chosen heap is out of memory (ENOMEM, e.g. an exhausted CMA area) or not accessible
/// (EACCES on a 0600 node), and reporting what happened.
public struct PlanAllocator {
    /// Opens an allocator for a heap of the catalog.
    public var open: (Heap) throws(LinuxError) -> BufferAllocator

    public init(open: @escaping (Heap) throws(LinuxError) -> BufferAllocator = PlanAllocator.liveAllocator) {
        self.open = open
    }

    public static func liveAllocator(for heap: Heap) throws(LinuxError) -> BufferAllocator {
        switch heap.kind {
        case .memfd: return Memfd()
        case .udmabuf: return try Udmabuf()
        default: return heap.isION ? try IONHeap(heap) : try DMAHeap(heap)
        }
    }

    public func allocate(_ plan: Plan, count: Int, catalog: HeapCatalog, name: String? = nil) throws(LinuxError) -> AllocatedPlan {
        var failures: [(heap: String, error: LinuxError)] = []
        let candidates = [plan.heap] + plan.fallbackHeaps.compactMap { fallback in catalog.heaps.first { $0.name == fallback } }
        for heap in candidates {
            do {
                let allocator = try open(heap)
                var images: [[DMABuf]] = []
                for image in 0..<count {
                    var buffers: [DMABuf] = []
                    for (index, layout) in plan.layout.buffers.enumerated() {
                        let buffer = try allocator.allocate(byteCount: layout.size)
                        if let name, buffer.isDMABuf {
                            try buffer.setName(BufferName.make(name, image: image, buffer: index))
                        }
                        buffers.append(buffer)
                    }
                    images.append(buffers)
                }
                return AllocatedPlan(images: images, heap: heap, failedAttempts: failures)
            } catch where error.code == .outOfMemory || error.code == .permissionDenied || error.code == .notFound {
                // Buffers allocated so far are released as `images` goes out of scope.
                failures.append((heap.name, error))
            }
        }
        var last = failures.last?.error ?? LinuxError(code: .failed, operation: .allocate, message: "no heap to allocate from")
        last.message = "no heap of the plan could allocate \(count) × \(ByteCount.format(plan.layout.size)): "
            + failures.map { "\($0.heap): \($0.error.message)" }.joined(separator: "; ")
        throw last
    }
}
