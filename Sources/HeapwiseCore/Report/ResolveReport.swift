/// The printed form of `heapwise bench resolve`, with the two targets checked.
public struct ResolveReport: Sendable {
    public static let targetMedianAt4 = 10.0
    public let results: [ResolveBenchmark.Result]
    public let profileCount: Int

    public init(results: [ResolveBenchmark.Result], profileCount: Int) {
        self.results = results
        self.profileCount = profileCount
    }

    /// Median at the largest size over median at the smallest, divided by the size ratio:
    /// ≤ 1 means cost grows no worse than linearly with participants.
    public var growth: Double? {
        guard let first = results.first, let last = results.last,
              last.participants > first.participants, first.latency.median > .zero
        else { return nil }
        let timeRatio = last.latency.median.microseconds / first.latency.median.microseconds
        return timeRatio / (Double(last.participants) / Double(first.participants))
    }

    public var medianAt4: Double? { results.first { $0.participants == 4 }?.latency.median.microseconds }

    public var text: String {
        var table = TextTable(["participants", "median µs", "p99 µs", "min µs", "plan", "rejections"])
        for r in results {
            table.append([
                "\(r.participants)", r.latency.median.microseconds.twoDecimals, r.latency.p99.microseconds.twoDecimals,
                r.latency.min.microseconds.twoDecimals, r.satisfiable ? "found" : "none", "\(r.rejections)",
            ])
        }
        var lines = ["resolve latency, \(results.first?.latency.samples ?? 0) runs per size, pipelines from \(profileCount) profiles", table.render()]
        if let median = medianAt4 {
            lines.append("target median at 4 participants ≤ \(Self.targetMedianAt4.twoDecimals) µs: \(median.twoDecimals) µs, " + (median <= Self.targetMedianAt4 ? "met" : "MISSED"))
        }
        if let growth {
            lines.append("growth (time ratio / size ratio, ≤ 1.00 is linear or better): \(growth.twoDecimals), " + (growth <= 1.0 ? "met" : "MISSED"))
        }
        return lines.joined(separator: "\n")
    }

    public var json: JSON {
        .object([
            ("benchmark", .string("resolve")),
            ("profiles", .int(profileCount)),
            ("results", .array(results.map { r in
                .object([
                    ("participants", .int(r.participants)),
                    ("median_ns", .int(Int(r.latency.median.microseconds * 1000))),
                    ("p99_ns", .int(Int(r.latency.p99.microseconds * 1000))),
                    ("min_ns", .int(Int(r.latency.min.microseconds * 1000))),
                    ("samples", .int(r.latency.samples)),
                    ("satisfiable", .bool(r.satisfiable)),
                    ("rejections", .int(r.rejections)),
                ])
            })),
            ("growth", growth.map(JSON.ratio) ?? .null),
        ])
    }
}
