import CHeapwiseLinux
import Glibc
import HeapwiseCore

/// `heapwise bench pool`: what reuse through a `BufferPool` costs next to a fresh buffer and
/// next to the floor, a `memset` of the same bytes. Each step times the four sides back to
/// back in an order drawn from a seeded generator (as `bench alloc` does), so drift in the
/// machine hits every side alike and the paired ratios cancel it.
public struct PoolBenchmark {
    public static let sizes = [4 << 10, 1 << 20, 8 << 20, 64 << 20]
    public static let defaultPairs = 2000
    /// A row stops at its time limit once it has this many pairs: a 64 MiB fresh buffer takes
    /// a quarter of a second under the lab's emulation.
    public static let minimumPairs = 5

    public var pairs: Int
    public var timeLimit: Duration
    public var seed: UInt64

    public init(pairs: Int = PoolBenchmark.defaultPairs, timeLimit: Duration = .seconds(1), seed: UInt64 = 0x504F_4F4C_4245_4E43) {
        self.pairs = pairs
        self.timeLimit = timeLimit
        self.seed = seed
    }

    /// One row per allocator and size. A CMA area must hold the four buffers a row has at once
    /// (two pooled, the memset one and a fresh one), udmabuf one of its per-buffer limit.
    public func run(_ allocators: [BufferAllocator], sizes: [Int] = PoolBenchmark.sizes) throws(LinuxError) -> [PoolBenchResult] {
        var results: [PoolBenchResult] = []
        var order = SplitMix64(seed: seed)
        for allocator in allocators {
            for size in sizes {
                if let capacity = allocator.heap.capacity {
                    if allocator.heap.kind == .udmabuf ? size > capacity : size * 4 > capacity { continue }
                }
                results.append(try row(allocator, size: size, order: &order))
            }
        }
        return results
    }

    private enum Side { case fresh, zeroing, sameOwner, memset }

    private func row(_ allocator: BufferAllocator, size: Int, order: inout SplitMix64) throws(LinuxError) -> PoolBenchResult {
        let owners = (PoolOwner(1), PoolOwner(2))
        let page = Syscalls.pageSize
        let length = (size + page - 1) / page * page
        // Caps of exactly one buffer of the page-rounded length, so every release keeps it.
        let limits = BufferPool.Limits(idleBuffers: 1, idleBytes: length)
        // Zeroing: one buffer, handed between two owners, so every acquire zeroes it.
        let zeroingPool = BufferPool(perList: limits, overall: limits, maxIdleAge: nil)
        try zeroingPool.acquire(from: allocator, byteCount: size, owner: owners.1).release()
        var nextOwner = owners.0
        // Same owner: one buffer its owner keeps.
        let keptPool = BufferPool(perList: limits, overall: limits, maxIdleAge: nil)
        try keptPool.acquire(from: allocator, byteCount: size, owner: owners.0).release(keepContents: true)
        // Memset: a buffer of the same allocator, faulted in once.
        let target = try BufferPool(perList: limits, overall: limits, maxIdleAge: nil).acquire(from: allocator, byteCount: size, owner: owners.0)

        var fresh: [Duration] = [], zeroing: [Duration] = [], same: [Duration] = [], warm: [Duration] = [], set: [Duration] = []
        var sides: [Side] = [.fresh, .zeroing, .sameOwner, .memset]
        let started = hw_now_ns()
        let minimum = min(pairs, Self.minimumPairs)
        while set.count < pairs, set.count < minimum || .nanoseconds(Int64(hw_now_ns() - started)) < timeLimit {
            sides.shuffle(using: &order)
            for side in sides {
                switch side {
                case .fresh: fresh.append(try Self.fresh(allocator, length))
                case .zeroing:
                    zeroing.append(try Self.reuse(zeroingPool, allocator, size, owner: nextOwner, keep: false))
                    nextOwner = nextOwner == owners.0 ? owners.1 : owners.0
                case .sameOwner:
                    // Timed twice: right after another side has swept the caches and TLB with
                    // up to 64 MiB (cold), and again at once (warm).
                    same.append(try Self.reuse(keptPool, allocator, size, owner: owners.0, keep: true))
                    warm.append(try Self.reuse(keptPool, allocator, size, owner: owners.0, keep: true))
                case .memset: set.append(Self.memset(target))
                }
            }
        }
        target.release()
        return PoolBenchResult(allocator: allocator.heap.name, size: length, fresh: fresh, zeroing: zeroing, sameOwner: same, sameOwnerWarm: warm, memset: set)
    }

    /// Allocate, map, write one byte in every page (the faults a first use takes), unmap, free.
    @inline(never)
    private static func fresh(_ allocator: BufferAllocator, _ length: Int) throws(LinuxError) -> Duration {
        let start = hw_now_ns()
        let buffer = try allocator.allocateUnique(byteCount: length)
        let address: UnsafeMutableRawPointer
        switch buffer.withUnsafeDescriptor({ Syscalls.mmap($0, length: length, protection: PROT_READ | PROT_WRITE) }) {
        case let .success(mapped): address = mapped
        case let .failure(errno): throw .from(errno, node: allocator.node, operation: .mmap)
        }
        let bytes = address.assumingMemoryBound(to: UInt8.self)
        for offset in stride(from: 0, to: length, by: Syscalls.pageSize) { bytes[offset] = 1 }
        _ = Syscalls.munmap(address, length: length)
        buffer.close()
        return .nanoseconds(Int64(hw_now_ns() - start))
    }

    @inline(never)
    private static func reuse(_ pool: BufferPool, _ allocator: BufferAllocator, _ size: Int, owner: PoolOwner, keep: Bool) throws(LinuxError) -> Duration {
        let start = hw_now_ns()
        let lease = try pool.acquire(from: allocator, byteCount: size, owner: owner)
        let reused = lease.reused
        lease.release(keepContents: keep)
        let elapsed = Duration.nanoseconds(Int64(hw_now_ns() - start))
        // A side that allocated afresh would time the wrong thing.
        guard reused else {
            throw LinuxError(code: .failed, node: allocator.node, operation: .allocate,
                             message: "bench pool: the pool allocated instead of reusing its \(size)-byte buffer")
        }
        return elapsed
    }

    @inline(never)
    private static func memset(_ buffer: PooledBuffer) -> Duration {
        buffer.withMapping { bytes in
            let start = hw_now_ns()
            if let base = bytes.baseAddress { Glibc.memset(base, 0, bytes.count) }
            return .nanoseconds(Int64(hw_now_ns() - start))
        }
    }
}
