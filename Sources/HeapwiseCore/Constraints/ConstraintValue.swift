/// A type a constraint key can hold, and how two devices' values of it merge under each law
/// that applies to it. A law that does not apply to the type is a programmer error in the key
/// table, which the table tests catch (they merge every key's samples).
protocol ConstraintValue: Hashable, Sendable {
    /// How the resolver's hot path reaches a value of this type (see `ConstraintStorage`).
    static var storage: ConstraintStorage { get }
    /// `a` and `b` combined by `law`; nil when the result does not fit (an alignment's least
    /// common multiple overflowing 64 bits).
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self?
    /// The value in `--json` output, in a shape the profile parser reads back.
    var json: JSON { get }
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
    var json: JSON { .int(self) }
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
    var json: JSON { .bool(self) }
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
    var json: JSON { .string(rawValue) }
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self? {
        precondition(law == .stricter, "\(law) does not merge cache requirements")
        return Swift.max(a, b)
    }
}

extension PlanePlacement: ConstraintValue {
    static var storage: ConstraintStorage { .placement }
    /// `{"0": "g0", "1": "g1", …}`: the profile's plane → region mapping (JSON keys are text).
    var json: JSON { .object(groupOf.enumerated().map { ("\($0.offset)", .string("g\($0.element)")) }) }
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self? {
        precondition(law == .finerPartition, "\(law) does not merge plane placements")
        return a.refined(with: b)
    }
}

extension FrameSizes: ConstraintValue {
    static var storage: ConstraintStorage { .frameSizes }
    /// A list of `{width, height}`, or `{min, max, step}` of them.
    var json: JSON {
        switch self {
        case let .listed(list): .array(list.sizes.map(\.json))
        case let .range(min, max, step): .object([("min", min.json), ("max", max.json), ("step", step.json)])
        }
    }
    static func merge(_ a: Self, _ b: Self, by law: ConstraintKey.MergeLaw) -> Self? {
        precondition(law == .intersection, "\(law) does not merge frame sizes")
        return a.intersection(b)
    }
}
