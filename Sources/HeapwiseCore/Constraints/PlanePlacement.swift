/// A partition of a format's planes into memory regions: planes in different groups must be
/// allocated as separate buffers (e.g. a display that fetches luma and chroma through two
/// memory ports, or the Samsung MFC's two-bank rule for NV12 luma and chroma).
///
/// Stored canonically, so equal partitions compare equal whatever labels a profile used:
/// `groupOf[p]` is the lowest plane index in plane `p`'s group. Planes a profile does not name
/// share one unnamed region.
public struct PlanePlacement: Hashable, Sendable, CustomStringConvertible {
    public static let maxPlanes = 4
    public let groupOf: [Int]

    /// `labels[p]` names plane `p`'s region; planes absent from the map share a region.
    public init(labels: [Int: String]) {
        self.init(keys: (0..<Self.maxPlanes).map { labels[$0] ?? "" })
    }

    private init<Key: Hashable>(keys: [Key]) {
        var first: [Key: Int] = [:]
        groupOf = keys.enumerated().map { index, key in
            if let seen = first[key] { return seen }
            first[key] = index
            return index
        }
    }

    /// Everything in one region: the neutral element of `refined(with:)`.
    public static let together = PlanePlacement(labels: [:])

    /// The coarsest partition that separates every pair of planes either side separates.
    /// Commutative, associative and idempotent, so the order of participants cannot matter.
    public func refined(with other: PlanePlacement) -> PlanePlacement {
        struct Pair: Hashable { let a: Int, b: Int }
        return PlanePlacement(keys: (0..<Self.maxPlanes).map { Pair(a: groupOf[$0], b: other.groupOf[$0]) })
    }

    /// The buffers a format with `planes` planes needs: each a list of plane indices.
    public func buffers(planes: Int) -> [[Int]] {
        var order: [Int] = []
        var members: [Int: [Int]] = [:]
        for plane in 0..<min(planes, Self.maxPlanes) {
            let group = groupOf[plane]
            if members[group] == nil { order.append(group) }
            members[group, default: []].append(plane)
        }
        return order.map { members[$0] ?? [] }
    }

    public var description: String {
        buffers(planes: Self.maxPlanes).map { "{" + $0.map(String.init).joined(separator: ",") + "}" }.joined()
    }
}
