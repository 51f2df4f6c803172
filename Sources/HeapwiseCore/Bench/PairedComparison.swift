/// A paired comparison of two pieces of code that do the same work: sample `i` of each side
/// was taken back to back with the other's, in a random order, so whatever drifts during a run
/// (page reclaim, CMA fragmentation, a busy host, an emulator's code cache) hits both alike.
///
/// The ratio is the median over pairs of `candidate[i] / baseline[i]`, the usual estimator
/// for paired timings: a slow moment slows both samples of its pair and cancels out, where a
/// ratio of two medians would let it shift one side. A `control` side, the baseline once more,
/// gives the measurement's own noise floor: its ratio would be exactly 1 if timing were free
/// of noise, so a candidate ratio within the control's distance from 1 is noise, not cost.
public struct PairedComparison: Hashable, Sendable {
    public let candidate: LatencySummary
    public let baseline: LatencySummary
    /// Median over pairs of candidate / baseline.
    public let ratio: Double
    /// Median over pairs of control / baseline.
    public let controlRatio: Double

    /// The three sides must have the same number of samples, paired by index.
    public init(candidate: [Duration], baseline: [Duration], control: [Duration]) {
        precondition(candidate.count == baseline.count && control.count == baseline.count,
                     "paired samples must come in pairs")
        self.candidate = LatencySummary(candidate)
        self.baseline = LatencySummary(baseline)
        ratio = Self.medianRatio(candidate, over: baseline)
        controlRatio = Self.medianRatio(control, over: baseline)
    }

    public var pairs: Int { baseline.samples }

    /// The median of `numerator[i] / denominator[i]`; pairs with a zero denominator (a clock
    /// too coarse to see the work) are left out, and no pairs at all gives 0.
    public static func medianRatio(_ numerator: [Duration], over denominator: [Duration]) -> Double {
        var ratios: [Double] = []
        ratios.reserveCapacity(numerator.count)
        for (top, bottom) in zip(numerator, denominator) where bottom > .zero {
            ratios.append(top.microseconds / bottom.microseconds)
        }
        guard !ratios.isEmpty else { return 0 }
        ratios.sort()
        let middle = ratios.count / 2
        return ratios.count % 2 == 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2
    }
}
