/// Combining the rules of several devices into the rules one shared buffer must follow.
///
/// Alignments combine by least common multiple (a stride that is a multiple of 64 and of 48
/// is a multiple of 192), limits by the tighter bound, contiguity and cache needs by the
/// stricter, the DMA mask by the narrower, plane placements by the finer partition. Each of
/// these is commutative, associative and idempotent, so the result does not depend on the
/// order of participants, and `Constraints()` is the identity.
extension Constraints {
    public func merged(with other: Constraints) throws(ConstraintError) -> Constraints {
        func lcm(_ a: Int?, _ b: Int?, _ field: String) throws(ConstraintError) -> Int? {
            guard let a, let b else { return a ?? b }
            guard let value = Arithmetic.lcm(a, b) else {
                throw .alignmentOverflow(field: field, a, b)
            }
            return value
        }
        func both<T>(_ a: T?, _ b: T?, _ pick: (T, T) -> T) -> T? {
            guard let a, let b else { return a ?? b }
            return pick(a, b)
        }
        return Constraints(
            pitchAlignment: try lcm(pitchAlignment, other.pitchAlignment, "pitch_alignment"),
            offsetAlignment: try lcm(offsetAlignment, other.offsetAlignment, "offset_alignment"),
            widthAlignment: try lcm(widthAlignment, other.widthAlignment, "width_alignment"),
            heightAlignment: try lcm(heightAlignment, other.heightAlignment, "height_alignment"),
            extraRows: both(extraRows, other.extraRows, max),
            paddingBytes: both(paddingBytes, other.paddingBytes, max),
            sizeAlignment: try lcm(sizeAlignment, other.sizeAlignment, "size_alignment"),
            minWidth: both(minWidth, other.minWidth, max),
            minHeight: both(minHeight, other.minHeight, max),
            maxWidth: both(maxWidth, other.maxWidth, min),
            maxHeight: both(maxHeight, other.maxHeight, min),
            maxPitch: both(maxPitch, other.maxPitch, min),
            contiguous: both(contiguous, other.contiguous) { $0 || $1 },
            addressBits: both(addressBits, other.addressBits, min),
            iommu: both(iommu, other.iommu) { $0 && $1 },
            cache: both(cache, other.cache, max),
            placement: both(placement, other.placement) { $0.refined(with: $1) }
        )
    }

    /// Checks the values a profile gave: positive alignments, powers of two where the
    /// hardware rule is an address mask (offsets, sizes), sane limits.
    public func validate() throws(ConstraintError) {
        let alignments: [(String, Int?, Bool)] = [
            ("pitch_alignment", pitchAlignment, false),
            ("offset_alignment", offsetAlignment, true),
            ("width_alignment", widthAlignment, false),
            ("height_alignment", heightAlignment, false),
            ("size_alignment", sizeAlignment, true),
        ]
        for (field, value, powerOfTwo) in alignments {
            guard let value else { continue }
            guard value > 0 else { throw .nonPositive(field: field, value) }
            if powerOfTwo && value & (value - 1) != 0 { throw .notPowerOfTwo(field: field, value) }
        }
        let limits: [(String, Int?)] = [
            ("min_width", minWidth), ("min_height", minHeight), ("max_width", maxWidth),
            ("max_height", maxHeight), ("max_pitch", maxPitch),
        ]
        for (field, value) in limits {
            if let value, value <= 0 { throw .nonPositive(field: field, value) }
        }
        for (field, value) in [("extra_rows", extraRows), ("padding_bytes", paddingBytes)] {
            if let value, value < 0 { throw .negative(field: field, value) }
        }
        if let addressBits, !(12...64).contains(addressBits) {
            throw .addressBitsOutOfRange(addressBits)
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
