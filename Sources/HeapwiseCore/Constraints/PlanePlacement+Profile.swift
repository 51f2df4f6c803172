/// How a profile spells a plane placement: `plane_placement: { 0: bank0, 1: bank1 }`, a
/// label per plane; planes with the same label (or none) share a buffer.
extension PlanePlacement {
    static func parse(_ value: YAMLValue) throws(InputError) -> PlanePlacement {
        var labels: [Int: String] = [:]
        for (key, label) in try value.entries() {
            let plane = try key.int()
            guard (0..<maxPlanes).contains(plane) else {
                throw key.error("plane index must be 0 to \(maxPlanes - 1), got \(plane)")
            }
            labels[plane] = try label.string()
        }
        return PlanePlacement(labels: labels)
    }

    /// A flow mapping that reads back as the same partition, labelling each group by its
    /// lowest plane: `{ 0: g0, 1: g1, 2: g0, 3: g0 }`.
    var yaml: String {
        "{ " + groupOf.enumerated().map { "\($0.offset): g\($0.element)" }.joined(separator: ", ") + " }"
    }

    /// Every partition of the planes into at most three labelled groups: the samples the
    /// merge-law tests draw placements from.
    static let samples: [PlanePlacement] = (0..<81).map { code in
        PlanePlacement(labels: Dictionary(uniqueKeysWithValues: (0..<maxPlanes).map { plane in
            var digit = code
            for _ in 0..<plane { digit /= 3 }
            return (plane, ["a", "b", "c"][digit % 3])
        }))
    }
}
