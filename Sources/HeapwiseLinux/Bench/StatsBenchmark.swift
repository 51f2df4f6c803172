import CHeapwiseLinux
import HeapwiseCore
import SystemPackage

/// `heapwise bench stats`: `DMABufAccounting` over synthetic `/proc` trees of three sizes
/// (1,000 processes × 50 fds and 10,000 buffers the largest), each round timing a snapshot and
/// the bare reads of the same files in a seeded random order; then this machine's `/proc`.
/// Every snapshot is checked against what the tree holds, so a fast wrong reader fails.
public struct StatsBenchmark: Sendable {
    public var rounds: Int
    /// Where the trees are written (and removed afterwards).
    public var directory: String
    public var scales: [(processes: Int, fdsPerProcess: Int, buffers: Int)]
    public var seed: UInt64

    public static let defaultScales = [(250, 50, 2_500), (500, 50, 5_000), (1_000, 50, 10_000)]

    public init(rounds: Int = 9, directory: String, scales: [(processes: Int, fdsPerProcess: Int, buffers: Int)] = StatsBenchmark.defaultScales,
                seed: UInt64 = 0x5354_4154_5342_454E) {
        self.rounds = rounds
        self.directory = directory
        self.scales = scales
        self.seed = seed
    }

    public func run() throws(LinuxError) -> StatsBenchResult {
        var random = SplitMix64(seed: seed)
        var results: [StatsBenchResult.Scale] = []
        for (index, scale) in scales.enumerated() {
            let root = "\(directory)/heapwise-bench-stats-\(Syscalls.processID)-\(index)"
            let tree = try SyntheticProc.write(at: root, processes: scale.processes, fdsPerProcess: scale.fdsPerProcess, buffers: scale.buffers)
            defer { tree.remove() }
            let reader = DMABufAccounting(procRoot: root, sysRoot: nil, passwd: nil)
            try check(reader, against: tree)  // also warms the page cache for both sides
            var snapshots: [Duration] = [], reads: [Duration] = []
            for _ in 0..<rounds {
                let snapshotFirst = random.next() & 1 == 0
                for side in snapshotFirst ? [true, false] : [false, true] {
                    if side { snapshots.append(Self.time { _ = DMABufAccount(reader.snapshot()) }) }
                    else { reads.append(Self.time { Self.readEverything(root) }) }
                }
            }
            let (_, peak) = PeakMemory.growth { DMABufAccount(reader.snapshot()) }
            results.append(.init(processes: scale.processes, fdsPerProcess: scale.fdsPerProcess, buffers: scale.buffers,
                                 snapshot: snapshots, reads: reads, peakBytes: peak))
        }
        let live = DMABufAccounting(cmaAreas: [])
        var last = DMABufAccount(live.snapshot())
        var times: [Duration] = []
        for _ in 0..<5 { times.append(Self.time { last = DMABufAccount(live.snapshot()) }) }
        return StatsBenchResult(scales: results, live: .init(processes: last.snapshot.processesListed, descriptors: last.snapshot.descriptorsRead,
                                                             buffers: last.total.buffers, snapshot: times))
    }

    private func check(_ reader: DMABufAccounting, against tree: SyntheticProc) throws(LinuxError) {
        let account = DMABufAccount(reader.snapshot())
        let proportional = account.processes.reduce(0) { $0 + $1.proportional }
        guard account.total.buffers == tree.buffers, account.total.bytes == tree.expectedBytes,
              account.snapshot.holdings.count == tree.expectedHoldings, proportional == tree.expectedBytes,
              account.snapshot.gaps.isEmpty else {
            throw LinuxError(code: .failed, node: tree.root, operation: .read,
                             message: "the snapshot of the synthetic tree is wrong: \(account.total.buffers) buffers, \(account.total.bytes) bytes, \(account.snapshot.holdings.count) holdings, \(account.snapshot.gaps.count) gaps; expected \(tree.buffers), \(tree.expectedBytes), \(tree.expectedHoldings), 0")
        }
    }

    /// The straightforward walk, parsing nothing: every process's `status`, every fd's
    /// fdinfo, every `maps`, by path. The snapshot reads fdinfo only for buffers it has not
    /// seen (a `statx` of the fd tells), so it can beat this floor.
    static func readEverything(_ root: String) {
        guard case let .success(names) = Syscalls.listDirectory(root) else { return }
        for name in names {
            let directory = "\(root)/\(name)"
            _ = FileContents.bytes(directory + "/status", limit: 1 << 16)
            if case let .success(fds) = Syscalls.listDirectory(directory + "/fdinfo") {
                for fd in fds { _ = FileContents.bytes("\(directory)/fdinfo/\(fd)", limit: 1 << 16) }
            }
            _ = FileContents.bytes(directory + "/maps", limit: DMABufAccounting.mapsLimit)
        }
    }

    static func time(_ body: () -> Void) -> Duration {
        let start = hw_now_ns()
        body()
        return .nanoseconds(Int64(hw_now_ns() - start))
    }
}
