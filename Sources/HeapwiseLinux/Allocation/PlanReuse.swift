import HeapwiseCore

/// What `heapwise plan --allocate --reuse N` does: allocate a plan's images through a
/// `BufferPool`, then release and re-acquire them `rounds` times, the owner alternating
/// between two pipelines, so every round hands each buffer to a new owner: it must arrive
/// zeroed, and is then filled. The pool's statistics show what reuse saved.
public struct PlanReuse {
    public let heap: Heap
    public let statistics: PoolStatistics
    /// Buffers that arrived with another owner's bytes in them (must be 0).
    public let unzeroedLeases: Int
    public let leases: Int

    public static func run(_ plan: Plan, count: Int, catalog: HeapCatalog, live: Bool, rounds: Int) throws(LinuxError) -> PlanReuse {
        let perImage = plan.layout.buffers.count
        let capacity = BufferPool.Limits(idleBuffers: count * perImage, idleBytes: Int.max)
        let pool = BufferPool(perList: capacity, overall: capacity, maxIdleAge: nil)
        let candidates = live ? [plan.heap] + plan.fallbackHeaps.compactMap { name in catalog.heaps.first { $0.name == name } } : [Memfd.description]
        var failures: [String] = []
        for heap in candidates {
            do {
                let allocator: BufferAllocator = live ? try PlanAllocator.liveAllocator(for: heap) : Memfd()
                var leases = try acquireAll(plan, count: count, from: allocator, pool: pool, owner: PoolOwner(1))
                for lease in leases { try fill(lease, with: 0xFF) }  // the first owner's bytes
                var unzeroed = 0, total = 0
                for round in 1...max(rounds, 1) {
                    for lease in leases { lease.release() }
                    leases = try acquireAll(plan, count: count, from: allocator, pool: pool, owner: PoolOwner(UInt64(round % 2 + 1)))
                    for (index, lease) in leases.enumerated() {
                        total += 1
                        if try !isZero(lease) { unzeroed += 1 }
                        try fill(lease, with: UInt8(truncatingIfNeeded: round &* 31 &+ index &+ 1))
                    }
                }
                for lease in leases { lease.release() }
                return PlanReuse(heap: heap, statistics: pool.statistics(), unzeroedLeases: unzeroed, leases: total)
            } catch where error.code == .outOfMemory || error.code == .permissionDenied || error.code == .notFound {
                failures.append("\(heap.name): \(error.message)")
                pool.trim()
            }
        }
        throw LinuxError(code: .outOfMemory, operation: .allocate,
                         message: "no heap of the plan could allocate its images through a pool: " + failures.joined(separator: "; "))
    }

    private static func acquireAll(_ plan: Plan, count: Int, from allocator: BufferAllocator, pool: BufferPool, owner: PoolOwner) throws(LinuxError) -> [PooledBuffer] {
        var leases: [PooledBuffer] = []
        for _ in 0..<count {
            for layout in plan.layout.buffers {
                leases.append(try pool.acquire(from: allocator, byteCount: layout.size, owner: owner))
            }
        }
        return leases
    }

    private static func isZero(_ lease: PooledBuffer) throws(LinuxError) -> Bool {
        try LinuxError.duringCPUAccess(of: lease.key.node) { try lease.withCPUAccess(.read) { bytes in bytes.allSatisfy { $0 == 0 } } }
    }

    private static func fill(_ lease: PooledBuffer, with byte: UInt8) throws(LinuxError) {
        try LinuxError.duringCPUAccess(of: lease.key.node) {
            try lease.withCPUAccess(.write) { bytes in bytes.initializeMemory(as: UInt8.self, repeating: byte) }
        }
    }

}
