/// Combining the rules of several devices into the rules one shared buffer must follow.
///
/// Alignments combine by least common multiple (a stride that is a multiple of 64 and of 48
/// is a multiple of 192), limits by the tighter bound, contiguity and cache needs by the
/// stricter, the DMA mask by the narrower, plane placements by the finer partition. Each of
/// these is commutative, associative and idempotent, so the result does not depend on the
/// order of participants, and `Constraints()` is the identity.
extension Constraints {
    /// The rules a buffer shared by both devices must follow: each key merged by its law
    /// (`ConstraintKey.law`).
    public func merged(with other: Constraints) throws(ConstraintError) -> Constraints {
        var result = self
        try result.merge(with: other)
        return result
    }

    /// Merges `other`'s rules into these, in place: the resolver folds participants this way.
    public mutating func merge(with other: Constraints) throws(ConstraintError) {
        // Unset is every law's identity, so an empty side needs no table walk.
        if other == Constraints() { return }
        if self == Constraints() { return self = other }
        let original = self
        // The plain-data keys are merged on the values' bytes, reached once each (a load
        // through `withUnsafeBytes(of:)` per key would copy the whole struct per key).
        let overflow: Int? = withUnsafeBytes(of: other) { b in
            withUnsafeMutableBytes(of: &self) { r in
                for (index, key) in ConstraintKey.layouts.enumerated() {
                    let fits = switch key.storage {
                    case .int: Self.mergeField(Int.self, key, b, r)
                    case .bool: Self.mergeField(Bool.self, key, b, r)
                    case .cache: Self.mergeField(CacheRequirement.self, key, b, r)
                    case .placement: Self.mergeField(PlanePlacement.self, key, b, r)
                    case .frameSizes: Self.mergeField(FrameSizes.self, key, b, r)
                    case .other: true
                    }
                    if !fits { return index }
                }
                return nil
            }
        }
        if let overflow {
            // Only alignments overflow; the key's own merge says which, with both values.
            var result = Constraints()
            try ConstraintKey.all[overflow].merge(&result, original, other)
        }
        for (index, key) in ConstraintKey.layouts.enumerated() where key.storage == .other {
            try ConstraintKey.all[index].merge(&self, original, other)
        }
    }

    /// One plain-data key of the hot path: the value at the key's offset in `result` merged
    /// with `b`'s by the key's law (what `ConstraintKey.merge` does through closures). False
    /// when the merge does not fit.
    @inline(__always)
    private static func mergeField<Value: ConstraintValue>(
        _ type: Value.Type, _ key: ConstraintKeyLayout, _ b: UnsafeRawBufferPointer, _ result: UnsafeMutableRawBufferPointer
    ) -> Bool {
        let merged: Value?
        switch (result.load(fromByteOffset: key.offset, as: Value?.self), b.load(fromByteOffset: key.offset, as: Value?.self)) {
        case let (x?, y?):
            guard let value = Value.merge(x, y, by: key.law) else { return false }
            merged = value
        case let (x, y):
            merged = x ?? y
        }
        result.storeBytes(of: merged, toByteOffset: key.offset, as: Value?.self)
        return true
    }

    /// Checks the values a profile gave, key by key in table order: positive alignments,
    /// powers of two where the hardware rule is an address mask (offsets, sizes), sane
    /// limits, a DMA mask width between 12 and 64 bits.
    public func validate() throws(ConstraintError) {
        for key in ConstraintKey.all {
            if let error = key.check(self) { throw error }
        }
    }
}

/// Why a set of constraints is not usable.
public enum ConstraintError: Error, Hashable, Sendable, CustomStringConvertible {
    case alignmentOverflow(field: String, Int, Int)
    case nonPositive(field: String, Int)
    case negative(field: String, Int)
    case notPowerOfTwo(field: String, Int)
    case addressBitsOutOfRange(Int)
    case iovaBitsOutOfRange(Int)

    public var description: String {
        switch self {
        case let .alignmentOverflow(field, a, b):
            "\(field): the least common multiple of \(a) and \(b) does not fit in 64 bits; one of the devices' alignments is wrong"
        case let .nonPositive(field, value):
            "\(field) must be a positive number, got \(value)"
        case let .negative(field, value):
            "\(field) must not be negative, got \(value)"
        case let .notPowerOfTwo(field, value):
            "\(field) must be a power of two (it is an address mask), got \(value)"
        case let .addressBitsOutOfRange(value):
            "address_bits must be between 12 and 64 (the DMA mask width), got \(value)"
        case let .iovaBitsOutOfRange(value):
            "iova_bits must be between 12 and 64 (the IOMMU aperture's width), got \(value)"
        }
    }
}
