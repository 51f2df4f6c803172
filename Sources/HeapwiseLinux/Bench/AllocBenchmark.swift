import CHeapwiseLinux
import Glibc
import HeapwiseCore

/// `heapwise bench alloc`: allocate+free latency of each allocator through Heapwise, next to
/// a plain C loop making the same syscalls (`baseline.c`) in the same run, so the ratio shows
/// what Heapwise itself costs.
///
/// Heapwise is timed twice: through `allocateUnique` (a `UniqueDMABuf`, the allocation API,
/// which the target applies to) and through `allocate` (a shared `DMABuf`, which adds one
/// reference-counted object per buffer; its ratio is reported beside, so that cost is seen).
///
/// Each step times four allocate+free cycles back to back, in an order drawn at random:
/// the two Heapwise forms, the C baseline, and the C baseline again as a control (see
/// `PairedComparison`).
/// A fixed order is not enough: in the lab guest the system heap's 4 KiB allocations settle
/// into a pattern that favours one position of a fixed ABBA cycle, and the baseline measured
/// against itself came out 1.76× "slower". The random order is seeded, so runs repeat.
public struct AllocBenchmark {
    public static let sizes = [4 << 10, 1 << 20, 8 << 20]
    /// Pairs per row unless told otherwise. In the lab guest 2000 pairs left the control
    /// ratio ±0.02–0.03 from 1; 5000 bring it within ±0.01, and cost a memfd row under a
    /// second there (an allocation that takes longer stops at the time limit first).
    public static let defaultPairs = 5000
    /// A row stops at its time limit only once it has this many pairs (or `pairs`, if fewer).
    public static let minimumPairs = 20

    /// The most pairs per allocator and size.
    public var pairs: Int
    /// A row stops early once it has run this long: cheap allocations get many samples, an
    /// 8 MiB CMA allocation (tens of milliseconds under emulation) a few dozen.
    public var timeLimit: Duration
    public var seed: UInt64

    public init(pairs: Int = AllocBenchmark.defaultPairs, timeLimit: Duration = .seconds(1), seed: UInt64 = 0x4845_4150_5749_5345) {
        self.pairs = pairs
        self.timeLimit = timeLimit
        self.seed = seed
    }

    /// Every allocator this user can use: accessible dma-buf heaps, udmabuf, and memfd. Not
    /// ION's heaps (5.10): plans prefer the dma-buf heap of the same kind, and ION's
    /// system-contig heap cannot hold the larger sizes at all (one `alloc_pages` block, at
    /// most 4 MiB with x86's MAX_ORDER of 11).
    public static func availableAllocators() -> [BufferAllocator] {
        HeapDiscovery.discover().filter { $0.accessible && !$0.heap.isION }.compactMap { try? PlanAllocator.liveAllocator(for: $0.heap) } + [Memfd()]
    }

    /// One row per allocator and size; sizes an allocator cannot hold twice over (a small
    /// CMA area) are left out.
    public func run(_ allocators: [BufferAllocator], sizes: [Int] = AllocBenchmark.sizes) throws(LinuxError) -> [AllocBenchResult] {
        var results: [AllocBenchResult] = []
        var order = SplitMix64(seed: seed)
        for allocator in allocators {
            for size in sizes {
                if let limit = allocator.heap.capacity, size * 2 > limit { continue }
                results.append(try row(allocator, size: size, order: &order))
            }
        }
        return results
    }

    private enum Side { case heapwise, shared, baseline, control }

    private func row(_ allocator: BufferAllocator, size: Int, order: inout SplitMix64) throws(LinuxError) -> AllocBenchResult {
        var mine: [Duration] = [], shared: [Duration] = [], base: [Duration] = [], control: [Duration] = []
        mine.reserveCapacity(pairs)
        shared.reserveCapacity(pairs)
        base.reserveCapacity(pairs)
        control.reserveCapacity(pairs)
        var sides: [Side] = [.heapwise, .shared, .baseline, .control]
        let started = hw_now_ns()
        let minimum = min(pairs, Self.minimumPairs)
        while mine.count < pairs, mine.count < minimum || .nanoseconds(Int64(hw_now_ns() - started)) < timeLimit {
            sides.shuffle(using: &order)
            for side in sides {
                switch side {
                case .heapwise: mine.append(try heapwise(allocator, size))
                case .shared: shared.append(try heapwiseShared(allocator, size))
                case .baseline: base.append(try baseline(allocator, size))
                case .control: control.append(try baseline(allocator, size))
                }
            }
        }
        return AllocBenchResult(allocator: allocator.heap.name, size: size,
                      comparison: PairedComparison(candidate: mine, baseline: base, control: control),
                      shared: PairedComparison(candidate: shared, baseline: base, control: control))
    }

    /// One allocate+free through Heapwise, timed with the baseline's own clock (`hw_now_ns`,
    /// CLOCK_MONOTONIC), so the two sides differ only in the code between the clock reads.
    @inline(never)  // one timed region per call, and a name a profiler can find
    private func heapwise(_ allocator: BufferAllocator, _ size: Int) throws(LinuxError) -> Duration {
        let start = hw_now_ns()
        let buffer = try allocator.allocateUnique(byteCount: size)
        buffer.close()
        return .nanoseconds(Int64(hw_now_ns() - start))
    }

    /// The same through a shared `DMABuf`: the object's allocation and release are timed too.
    @inline(never)
    private func heapwiseShared(_ allocator: BufferAllocator, _ size: Int) throws(LinuxError) -> Duration {
        let start = hw_now_ns()
        try Self.allocateShared(allocator, size)
        return .nanoseconds(Int64(hw_now_ns() - start))
    }

    /// Out of line, so the `DMABuf` is released before this returns, inside the timed region.
    @inline(never)
    private static func allocateShared(_ allocator: BufferAllocator, _ size: Int) throws(LinuxError) {
        let buffer = try allocator.allocate(byteCount: size)
        buffer.close()
    }

    /// One allocate+free by the C baseline, which times itself.
    private func baseline(_ allocator: BufferAllocator, _ size: Int) throws(LinuxError) -> Duration {
        switch allocator.baselineAllocateFree(size) {
        case let .success(duration): return duration
        case let .failure(errno): throw .from(errno, node: allocator.node, operation: .baselineAllocateFree)
        }
    }
}
