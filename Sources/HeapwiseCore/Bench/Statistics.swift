/// Order statistics over a run of timings.
public struct LatencySummary: Hashable, Sendable {
    public let samples: Int
    public let median: Duration
    public let p99: Duration
    public let min: Duration

    public init(_ durations: [Duration]) {
        let sorted = durations.sorted()
        samples = sorted.count
        func percentile(_ p: Double) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            let index = Int((Double(sorted.count - 1) * p).rounded())
            return sorted[index]
        }
        median = percentile(0.5)
        p99 = percentile(0.99)
        min = sorted.first ?? .zero
    }
}

extension Duration {
    /// Microseconds as a Double, for reports.
    public var microseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }
}

extension Double {
    /// Two decimals (`9.07`), for benchmark tables, without Foundation's formatters.
    public var twoDecimals: String {
        let hundredths = Int((self * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
