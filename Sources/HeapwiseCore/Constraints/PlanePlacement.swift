/// A partition of a format's planes into memory regions: planes in different groups must be
/// allocated as separate buffers (e.g. a display that fetches luma and chroma through two
/// memory ports, or the Samsung MFC's two-bank rule for NV12 luma and chroma).
///
/// Stored canonically, so equal partitions compare equal whatever labels a profile used:
/// `groupOf[p]` is the lowest plane index in plane `p`'s group. Planes a profile does not name
/// share one unnamed region. The four group numbers are packed into one word, which keeps
/// `Constraints` a plain value that copies without reference counting (the resolver copies
/// rules for every candidate).
public struct PlanePlacement: Hashable, Sendable, CustomStringConvertible {
    public static let maxPlanes = 4
    private let packed: UInt32

    /// For each plane, the lowest plane index of its group.
    public var groupOf: [Int] { (0..<Self.maxPlanes).map(group) }

    @inline(__always)
    func group(_ plane: Int) -> Int { Int((packed >> (8 * UInt32(plane))) & 0xff) }

    /// `labels[p]` names plane `p`'s region; planes absent from the map share a region.
    public init(labels: [Int: String]) {
        self.init(keys: (0..<Self.maxPlanes).map { labels[$0] ?? "" })
    }

    private init<Key: Hashable>(keys: [Key]) {
        var packed: UInt32 = 0
        for (index, key) in keys.enumerated() {
            let group = keys.firstIndex(of: key) ?? index
            packed |= UInt32(group) << (8 * UInt32(index))
        }
        self.packed = packed
    }

    /// Everything in one region: the neutral element of `refined(with:)`.
    public static let together = PlanePlacement(labels: [:])

    /// The coarsest partition that separates every pair of planes either side separates.
    /// Commutative, associative and idempotent, so the order of participants cannot matter.
    public func refined(with other: PlanePlacement) -> PlanePlacement {
        struct Pair: Hashable { let a: Int, b: Int }
        return PlanePlacement(keys: (0..<Self.maxPlanes).map { Pair(a: group($0), b: other.group($0)) })
    }

    /// The buffers a format with `planes` planes needs: each a list of plane indices, in
    /// order of their first plane.
    public func buffers(planes: Int) -> [[Int]] {
        let count = min(planes, Self.maxPlanes)
        var result: [[Int]] = []
        for leader in 0..<count where group(leader) == leader {
            result.append((leader..<count).filter { group($0) == leader })
        }
        return result
    }

    public var description: String {
        buffers(planes: Self.maxPlanes).map { "{" + $0.map(String.init).joined(separator: ",") + "}" }.joined()
    }
}
