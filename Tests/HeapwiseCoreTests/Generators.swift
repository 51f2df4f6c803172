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
    /// Random rules drawn from the values real profiles use, each field present about half
    /// the time, so merges meet nil, equal and conflicting values.
    static func random(using rng: inout SplitMix64) -> Constraints {
        func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &rng) ? make() : nil }
        let alignments = [1, 2, 4, 16, 32, 48, 64, 128, 256, 4096]
        let powers = [1, 4, 16, 64, 256, 4096]
        let labels = ["a", "b", "c"]
        return Constraints(
            pitchAlignment: maybe { alignments.randomElement(using: &rng) ?? 1 },
            offsetAlignment: maybe { powers.randomElement(using: &rng) ?? 1 },
            widthAlignment: maybe { [1, 2, 16, 32, 64].randomElement(using: &rng) ?? 1 },
            heightAlignment: maybe { [1, 2, 16, 32].randomElement(using: &rng) ?? 1 },
            extraRows: maybe { Int.random(in: 0...64, using: &rng) },
            paddingBytes: maybe { Int.random(in: 0...1024, using: &rng) },
            sizeAlignment: maybe { powers.randomElement(using: &rng) ?? 1 },
            minWidth: maybe { Int.random(in: 1...64, using: &rng) },
            minHeight: maybe { Int.random(in: 1...64, using: &rng) },
            maxWidth: maybe { Int.random(in: 1024...8192, using: &rng) },
            maxHeight: maybe { Int.random(in: 1024...8192, using: &rng) },
            maxPitch: maybe { Int.random(in: 4096...65536, using: &rng) },
            contiguous: maybe { Bool.random(using: &rng) },
            addressBits: maybe { [32, 36, 40, 48, 64].randomElement(using: &rng) ?? 64 },
            iommu: maybe { Bool.random(using: &rng) },
            cache: maybe { CacheRequirement.allCases.randomElement(using: &rng) ?? .coherent },
            placement: maybe {
                PlanePlacement(labels: Dictionary(uniqueKeysWithValues: (0..<4).map { ($0, labels.randomElement(using: &rng) ?? "a") }))
            }
        )
    }
}
