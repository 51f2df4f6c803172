/// The printed form of `heapwise bench alloc`, with the target checked, beside
/// `ResolveReport` for `bench resolve`.
public struct AllocBenchReport: Sendable {
    public let results: [AllocBenchResult]

    public init(results: [AllocBenchResult]) { self.results = results }

    /// The largest Heapwise/baseline ratio of any allocator and size.
    public var worstRatio: Double { results.map(\.ratio).max() ?? 0 }
    /// The control ratio farthest from 1: how much of a ratio this run's noise alone can explain.
    public var noiseFloor: Double { results.map { abs($0.comparison.controlRatio - 1) }.max() ?? 0 }

    public var text: String {
        var table = TextTable(["allocator", "size", "pairs", "heapwise median µs", "p99 µs",
                               "raw C median µs", "p99 µs", "ratio", "shared", "control"])
        for r in results {
            table.append([
                r.allocator, ByteCount.format(r.size), "\(r.comparison.pairs)",
                r.heapwise.median.microseconds.twoDecimals, r.heapwise.p99.microseconds.twoDecimals,
                r.baseline.median.microseconds.twoDecimals, r.baseline.p99.microseconds.twoDecimals,
                r.ratio.twoDecimals, r.shared.ratio.twoDecimals, r.comparison.controlRatio.twoDecimals,
            ])
        }
        let target = AllocBenchResult.targetRatio
        return table.render()
            + "\nratio: median over pairs of Heapwise time (allocateUnique + close) / raw C time"
            + "\nshared: the same through a shared DMABuf (allocate + close, one reference-counted object more)"
            + "\ncontrol: the raw C loop against itself (noise)"
            + "\ntarget ratio ≤ \(target.twoDecimals): worst \(worstRatio.twoDecimals), "
            + (worstRatio <= target ? "met" : "MISSED") + "; noise floor ±\(noiseFloor.twoDecimals)"
    }

    public var json: JSON {
        .array(results.map { r in
            .object([
                ("allocator", .string(r.allocator)), ("size", .int(r.size)), ("pairs", .int(r.comparison.pairs)),
                ("heapwise_median_ns", .int(Int(r.heapwise.median.microseconds * 1000))),
                ("heapwise_p99_ns", .int(Int(r.heapwise.p99.microseconds * 1000))),
                ("baseline_median_ns", .int(Int(r.baseline.median.microseconds * 1000))),
                ("baseline_p99_ns", .int(Int(r.baseline.p99.microseconds * 1000))),
                ("ratio", .ratio(r.ratio)),
                ("shared_median_ns", .int(Int(r.shared.candidate.median.microseconds * 1000))),
                ("shared_ratio", .ratio(r.shared.ratio)),
                ("control_ratio", .ratio(r.comparison.controlRatio)),
            ])
        })
    }
}
