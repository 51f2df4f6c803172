/// A type a constraint key can hold, and how two devices' values of it merge under each law
/// that applies to it. A law that does not apply to the type is a programmer error in the key
/// table, which the table tests catch (they merge every key's samples).
protocol ConstraintValue: Hashable, Sendable {
    /// How the resolver's hot path reaches a value of this type (see `ConstraintStorage`).
    static var storage: ConstraintStorage { get }
    /// `a` and `b` combined by `law`; nil when the result does not fit (an alignment's least
    /// common multiple overflowing 64 bits).
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self?
}

/// How a key's value is stored in `Constraints`, for the resolver's hot path: plain data that
/// `merged(with:)` and `overriding(with:)` load and store at the property's offset with no
/// closure calls or reference counting (they run for every candidate of every resolve), or
/// `other`, for a value that owns memory, which goes through the key's closures.
enum ConstraintStorage: Sendable, Equatable {
    case int, bool, cache, placement, frameSizes, other
}

extension Int: ConstraintValue {
    static var storage: ConstraintStorage { .int }
    static func merge(_ a: Int, _ b: Int, by law: ConstraintKey.MergeLaw) -> Int? {
        switch law {
        case .leastCommonMultiple: Arithmetic.lcm(a, b)
        case .maximum: Swift.max(a, b)
        case .minimum: Swift.min(a, b)
        case .either, .both, .stricter, .finerPartition, .intersection: preconditionFailure("\(law) does not merge numbers")
        }
    }
}

extension Bool: ConstraintValue {
    static var storage: ConstraintStorage { .bool }
    static func merge(_ a: Bool, _ b: Bool, by law: ConstraintKey.MergeLaw) -> Bool? {
        switch law {
        case .either: a || b
        case .both: a && b
        case .leastCommonMultiple, .maximum, .minimum, .stricter, .finerPartition, .intersection: preconditionFailure("\(law) does not merge flags")
        }
    }
}

extension CacheRequirement: ConstraintValue {
    static var storage: ConstraintStorage { .cache }
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self? {
        precondition(law == .stricter, "\(law) does not merge cache requirements")
        return Swift.max(a, b)
    }
}

extension PlanePlacement: ConstraintValue {
    static var storage: ConstraintStorage { .placement }
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self? {
        precondition(law == .finerPartition, "\(law) does not merge plane placements")
        return a.refined(with: b)
    }
}

extension FrameSizes: ConstraintValue {
    static var storage: ConstraintStorage { .frameSizes }
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self? {
        precondition(law == .intersection, "\(law) does not merge frame sizes")
        return a.intersection(b)
    }
}
