/// One row of `heapwise bench pool`: an allocator and a buffer size, four sides timed in turn.
public struct PoolBenchResult: Hashable, Sendable {
    public let allocator: String
    public let size: Int
    /// Allocate + map + first write of every page + unmap + free.
    public let fresh: LatencySummary
    /// Acquire from a pool (the buffer changing owner, so zeroed) + release.
    public let zeroing: LatencySummary
    /// Acquire by the owner that kept it + release: no zeroing, no syscall. Timed right after
    /// another side, whose megabytes have evicted the pool's data, its code and their TLB
    /// entries: what reuse costs in the middle of a pipeline's work.
    public let sameOwner: LatencySummary
    /// The same, repeated at once: the pool's own cost, which the target applies to.
    public let sameOwnerWarm: LatencySummary
    /// `memset` of the same size on a buffer already faulted in: the floor for zeroing.
    public let memset: LatencySummary
    /// Median over pairs of zeroing / memset.
    public let zeroingOverMemset: Double
    /// Median over pairs of fresh / zeroing: how many times cheaper reuse is.
    public let freshOverZeroing: Double

    public init(allocator: String, size: Int, fresh: [Duration], zeroing: [Duration], sameOwner: [Duration], sameOwnerWarm: [Duration],
                memset: [Duration]) {
        self.allocator = allocator
        self.size = size
        self.fresh = LatencySummary(fresh)
        self.zeroing = LatencySummary(zeroing)
        self.sameOwner = LatencySummary(sameOwner)
        self.sameOwnerWarm = LatencySummary(sameOwnerWarm)
        self.memset = LatencySummary(memset)
        zeroingOverMemset = PairedComparison.medianRatio(zeroing, over: memset)
        freshOverZeroing = PairedComparison.medianRatio(fresh, over: zeroing)
    }

    /// Zeroing through the pool may cost at most 20% over a bare `memset` (the two
    /// `DMA_BUF_IOCTL_SYNC` calls and the pool's bookkeeping), from 1 MiB up.
    public static let zeroingTarget = 1.2
    public static let zeroingTargetFrom = 1 << 20
    /// Reuse must be at least 50× cheaper than a fresh buffer, at 8 MiB.
    public static let speedupTarget = 50.0
    public static let speedupTargetAt = 8 << 20
    /// A same-owner reuse costs no syscall: at most 1 µs at any size (warm; the cold figure is
    /// mostly cache and TLB misses, and is reported beside it).
    public static let sameOwnerTarget = Duration.microseconds(1)

    /// The targets that apply to this row, each with whether it is met.
    public var verdicts: [(target: String, met: Bool)] {
        var list: [(String, Bool)] = []
        if size >= Self.zeroingTargetFrom {
            list.append(("zeroing ≤ \(Self.zeroingTarget.twoDecimals)× memset", zeroingOverMemset <= Self.zeroingTarget))
        }
        if size == Self.speedupTargetAt {
            list.append(("≥ \(Int(Self.speedupTarget))× faster than fresh", freshOverZeroing >= Self.speedupTarget))
        }
        list.append(("same owner (warm) ≤ 1 µs", sameOwnerWarm.median <= Self.sameOwnerTarget))
        return list
    }
}
