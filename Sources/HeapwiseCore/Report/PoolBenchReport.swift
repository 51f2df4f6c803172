/// The printed form of `heapwise bench pool`, every target checked per row.
public struct PoolBenchReport: Sendable {
    public let results: [PoolBenchResult]

    public init(results: [PoolBenchResult]) { self.results = results }

    public var allMet: Bool { results.allSatisfy { $0.verdicts.allSatisfy(\.met) } }

    public var text: String {
        var table = TextTable(["allocator", "size", "pairs", "fresh µs", "zeroing µs", "same owner µs", "warm µs", "memset µs",
                               "zeroing/memset", "fresh/zeroing", "verdict"])
        for r in results {
            let missed = r.verdicts.filter { !$0.met }.map(\.target)
            table.append([
                r.allocator, ByteCount.format(r.size), "\(r.memset.samples)",
                r.fresh.median.microseconds.twoDecimals, r.zeroing.median.microseconds.twoDecimals,
                r.sameOwner.median.microseconds.twoDecimals, r.sameOwnerWarm.median.microseconds.twoDecimals, r.memset.median.microseconds.twoDecimals,
                r.zeroingOverMemset.twoDecimals, r.freshOverZeroing.twoDecimals,
                missed.isEmpty ? "met" : "MISSED: " + missed.joined(separator: ", "),
            ])
        }
        return table.render()
            + "\nfresh: allocate + map + write every page + unmap + free; zeroing: pool acquire by a new owner (zeroed) + release;"
            + "\nsame owner: acquire of a buffer the owner kept + release, right after another side (cold caches and TLB);"
            + "\nwarm: the same again at once; memset: the same bytes on a faulted-in buffer"
            + "\nmedians; ratios are medians over pairs (sides interleaved in a seeded random order)"
            + "\ntargets: zeroing ≤ \(PoolBenchResult.zeroingTarget.twoDecimals)× memset from 1 MiB; ≥ \(Int(PoolBenchResult.speedupTarget))× "
            + "faster than fresh at 8 MiB; same owner (warm) ≤ 1 µs: " + (allMet ? "all met" : "MISSED")
    }

    public var json: JSON {
        .array(results.map { r in
            .object([
                ("allocator", .string(r.allocator)), ("size", .int(r.size)), ("pairs", .int(r.memset.samples)),
                ("fresh_median_ns", .int(r.fresh.median.nanoseconds)), ("zeroing_median_ns", .int(r.zeroing.median.nanoseconds)),
                ("same_owner_median_ns", .int(r.sameOwner.median.nanoseconds)), ("same_owner_warm_median_ns", .int(r.sameOwnerWarm.median.nanoseconds)),
                ("memset_median_ns", .int(r.memset.median.nanoseconds)),
                ("zeroing_over_memset", .ratio(r.zeroingOverMemset)), ("fresh_over_zeroing", .ratio(r.freshOverZeroing)),
                ("targets", .array(r.verdicts.map { .object([("target", .string($0.target)), ("met", .bool($0.met))]) })),
            ])
        })
    }
}

extension Duration {
    /// Whole nanoseconds, for JSON.
    public var nanoseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}
