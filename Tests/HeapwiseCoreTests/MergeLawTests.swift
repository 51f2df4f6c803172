import Testing
@testable import HeapwiseCore

/// The resolver folds participants' rules with `merged(with:)`; these laws are what make the
/// answer independent of the order participants are listed in, and of listing one twice.
@Suite struct MergeLawTests {
    static let cases = 500

    @Test func mergeIsCommutative() throws {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<Self.cases {
            let a = Constraints.random(using: &rng), b = Constraints.random(using: &rng)
            #expect(try a.merged(with: b) == b.merged(with: a))
        }
    }

    @Test func mergeIsAssociative() throws {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<Self.cases {
            let a = Constraints.random(using: &rng), b = Constraints.random(using: &rng), c = Constraints.random(using: &rng)
            #expect(try a.merged(with: b).merged(with: c) == a.merged(with: b.merged(with: c)))
        }
    }

    @Test func mergeIsIdempotent() throws {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<Self.cases {
            let a = Constraints.random(using: &rng)
            #expect(try a.merged(with: a) == a)
        }
    }

    @Test func emptyConstraintsAreTheIdentity() throws {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<Self.cases {
            let a = Constraints.random(using: &rng)
            #expect(try a.merged(with: Constraints()) == a)
        }
    }

    @Test func mergeTakesTheStricterRule() throws {
        let display = Constraints(pitchAlignment: 64, maxWidth: 4096, contiguous: true, addressBits: 32, cache: .noncoherent)
        let gpu = Constraints(pitchAlignment: 48, maxWidth: 16384, contiguous: false, addressBits: 48, cache: .coherent)
        let merged = try display.merged(with: gpu)
        #expect(merged.pitchAlignment == 192)
        #expect(merged.maxWidth == 4096)
        #expect(merged.contiguous == true)
        #expect(merged.addressBits == 32)
        #expect(merged.cache == .noncoherent)
    }

    @Test func alignmentOverflowIsAnErrorNotATrap() {
        let a = Constraints(pitchAlignment: (1 << 62) - 1)
        let b = Constraints(pitchAlignment: (1 << 62) - 3)
        #expect(throws: ConstraintError.self) { try a.merged(with: b) }
    }

    @Test func placementsRefineToTheFinerPartition() {
        let lumaChroma = PlanePlacement(labels: [0: "bank0", 1: "bank1"])
        let separateV = PlanePlacement(labels: [2: "x"])
        let both = lumaChroma.refined(with: separateV)
        #expect(both.buffers(planes: 3) == [[0], [1], [2]])
        #expect(lumaChroma.buffers(planes: 2) == [[0], [1]])
        #expect(PlanePlacement.together.buffers(planes: 3) == [[0, 1, 2]])
        // Labels are names only: the same partition under other names is equal.
        #expect(PlanePlacement(labels: [0: "y", 1: "c"]) == lumaChroma)
    }

    @Test func validationRejectsImpossibleRules() {
        #expect(throws: ConstraintError.nonPositive(field: "pitch_alignment", 0)) {
            try Constraints(pitchAlignment: 0).validate()
        }
        #expect(throws: ConstraintError.notPowerOfTwo(field: "offset_alignment", 48)) {
            try Constraints(offsetAlignment: 48).validate()
        }
        #expect(throws: ConstraintError.addressBitsOutOfRange(80)) {
            try Constraints(addressBits: 80).validate()
        }
        #expect(throws: ConstraintError.iovaBitsOutOfRange(8)) {
            try Constraints(iovaBits: 8).validate()
        }
        #expect(throws: ConstraintError.notPowerOfTwo(field: "iommu_granule", 12288)) {
            try Constraints(iommuGranule: 12288).validate()
        }
        #expect(throws: Never.self) { try Constraints(pitchAlignment: 48, offsetAlignment: 64).validate() }
    }
}
