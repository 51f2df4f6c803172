/// One row of `heapwise bench alloc`: an allocator and size, Heapwise's allocate+free time
/// against the raw C loop's, measured in the same run (`AllocBenchmark` in HeapwiseLinux).
public struct AllocBenchResult: Hashable, Sendable {
    public let allocator: String
    public let size: Int
    /// `allocateUnique` + `close()` against the C baseline.
    public let comparison: PairedComparison
    /// `allocate` (a shared `DMABuf`) + `close()` against the same baseline samples.
    public let shared: PairedComparison
    public var heapwise: LatencySummary { comparison.candidate }
    public var baseline: LatencySummary { comparison.baseline }
    public var ratio: Double { comparison.ratio }

    /// The ratio `allocateUnique` + `close()` must stay within: Heapwise may cost at most 5%
    /// over the syscalls themselves.
    public static let targetRatio = 1.05

    public init(allocator: String, size: Int, comparison: PairedComparison, shared: PairedComparison) {
        self.allocator = allocator
        self.size = size
        self.comparison = comparison
        self.shared = shared
    }
}
