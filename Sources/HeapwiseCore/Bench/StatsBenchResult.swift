/// `heapwise bench stats`: snapshot time and memory on synthetic `/proc` trees of growing size,
/// against the bare reads of the same files (the floor no parser can beat), and a real
/// snapshot of this machine.
public struct StatsBenchResult: Hashable, Sendable {
    public struct Scale: Hashable, Sendable {
        public var processes: Int
        public var fdsPerProcess: Int
        public var buffers: Int
        /// Read + parse + totals, as `heapwise stats` does.
        public var snapshot: LatencySummary
        /// The straightforward walk: reading every status, fdinfo and maps, parsing nothing.
        public var reads: LatencySummary
        /// Median over rounds of snapshot / reads.
        public var overReads: Double
        /// Peak resident growth during one snapshot; nil where it cannot be measured.
        public var peakBytes: Int?
        public var descriptors: Int { processes * fdsPerProcess }
        /// Median snapshot time per fd, in nanoseconds.
        public var nanosecondsPerDescriptor: Double { Double(snapshot.median.nanoseconds) / Double(descriptors) }

        public init(processes: Int, fdsPerProcess: Int, buffers: Int, snapshot: [Duration], reads: [Duration], peakBytes: Int?) {
            self.processes = processes
            self.fdsPerProcess = fdsPerProcess
            self.buffers = buffers
            self.snapshot = LatencySummary(snapshot)
            self.reads = LatencySummary(reads)
            overReads = PairedComparison.medianRatio(snapshot, over: reads)
            self.peakBytes = peakBytes
        }
    }

    public struct Live: Hashable, Sendable {
        public var processes: Int
        public var descriptors: Int
        public var buffers: Int
        public var snapshot: LatencySummary

        public init(processes: Int, descriptors: Int, buffers: Int, snapshot: [Duration]) {
            self.processes = processes
            self.descriptors = descriptors
            self.buffers = buffers
            self.snapshot = LatencySummary(snapshot)
        }
    }

    public var scales: [Scale]
    public var live: Live

    public init(scales: [Scale], live: Live) {
        self.scales = scales
        self.live = live
    }

    /// The issue's tree: 1,000 processes × 50 fds, 10,000 buffers, under 100 ms and 50 MiB.
    public static let timeTarget = Duration.milliseconds(100)
    public static let targetTree = (processes: 1000, fdsPerProcess: 50)
    public static let memoryTarget = 50 << 20
    /// Linear in fds: the cost per fd at the largest tree within this factor of the smallest's.
    public static let linearityTarget = 1.5

    public var largest: Scale? { scales.max { $0.descriptors < $1.descriptors } }
    public var smallest: Scale? { scales.min { $0.descriptors < $1.descriptors } }

    /// Per-fd cost growth from the smallest tree to the largest.
    public var linearity: Double? {
        guard let largest, let smallest, smallest.nanosecondsPerDescriptor > 0 else { return nil }
        return largest.nanosecondsPerDescriptor / smallest.nanosecondsPerDescriptor
    }

    public var verdicts: [(target: String, met: Bool)] {
        guard let largest else { return [] }
        var list: [(String, Bool)] = []
        // The time and memory targets are for the issue's tree; a smaller run is not judged by them.
        if largest.descriptors >= Self.targetTree.processes * Self.targetTree.fdsPerProcess {
            list.append(("snapshot of \(largest.processes) × \(largest.fdsPerProcess) fds < 100 ms", largest.snapshot.median < Self.timeTarget))
            if let peak = largest.peakBytes { list.append(("memory < 50 MiB", peak < Self.memoryTarget)) }
        }
        if let linearity { list.append(("linear in fds (per-fd cost within \(Self.linearityTarget.twoDecimals)×)", linearity <= Self.linearityTarget)) }
        return list
    }

    public var text: String {
        var table = TextTable(["processes", "fds", "buffers", "snapshot ms", "reads ms", "snapshot/reads", "ns per fd", "peak memory"])
        for scale in scales {
            table.append(["\(scale.processes)", "\(scale.descriptors)", "\(scale.buffers)",
                          (scale.snapshot.median.microseconds / 1000).twoDecimals, (scale.reads.median.microseconds / 1000).twoDecimals,
                          scale.overReads.twoDecimals, "\(Int(scale.nanosecondsPerDescriptor.rounded()))",
                          scale.peakBytes.map(ByteCount.format) ?? "not measured"])
        }
        let verdicts = self.verdicts
        return table.render()
            + "\nsnapshot: read + parse + totals over a synthetic /proc tree (every fd a dma-buf, many shared); reads: the straightforward walk,"
            + "\nreading every status, fdinfo and maps file and parsing nothing; medians of \(scales.first?.snapshot.samples ?? 0) rounds, sides interleaved; peak memory: VmHWM growth during one snapshot"
            + "\nthis machine's /proc: \(live.processes) processes, \(live.descriptors) fds, \(live.buffers) dma-bufs: "
            + "\((live.snapshot.median.microseconds / 1000).twoDecimals) ms (median of \(live.snapshot.samples))"
            + "\ntargets: " + verdicts.map { "\($0.target): \($0.met ? "met" : "MISSED")" }.joined(separator: "; ")
            + (verdicts.count < 3 ? " (time and memory are judged on a tree of 1000 × 50 fds or more)" : "")
    }

    public var json: JSON {
        .object([
            ("scales", .array(scales.map { scale in
                .object([
                    ("processes", .int(scale.processes)), ("fds", .int(scale.descriptors)), ("buffers", .int(scale.buffers)),
                    ("rounds", .int(scale.snapshot.samples)),
                    ("snapshot_median_ns", .int(scale.snapshot.median.nanoseconds)), ("reads_median_ns", .int(scale.reads.median.nanoseconds)),
                    ("snapshot_over_reads", .ratio(scale.overReads)), ("ns_per_fd", .int(Int(scale.nanosecondsPerDescriptor.rounded()))),
                    ("peak_bytes", JSON(scale.peakBytes)),
                ])
            })),
            ("live", .object([
                ("processes", .int(live.processes)), ("fds", .int(live.descriptors)), ("buffers", .int(live.buffers)),
                ("snapshot_median_ns", .int(live.snapshot.median.nanoseconds)),
            ])),
            ("linearity", linearity.map(JSON.ratio) ?? .null),
            ("targets", .array(verdicts.map { .object([("target", .string($0.target)), ("met", .bool($0.met))]) })),
        ])
    }
}
