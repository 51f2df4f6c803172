@testable import HeapwiseCore

/// SplitMix64: a small deterministic generator, so property tests explore many cases and
/// still fail the same way on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Constraints {
    /// Random rules: each key of the table present about half the time, with one of the
    /// values real profiles use (the key's samples), so merges meet nil, equal and
    /// conflicting values, and a new key is covered without touching this generator.
    static func random(using rng: inout SplitMix64) -> Constraints {
        var c = Constraints()
        for key in ConstraintKey.all where Bool.random(using: &rng) {
            key.setSample(&c, Int.random(in: 0..<key.sampleCount, using: &rng))
        }
        return c
    }
}
