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
        var result = Constraints()
        for key in ConstraintKey.all { try key.merge(&result, self, other) }
        return result
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
        }
    }
}
