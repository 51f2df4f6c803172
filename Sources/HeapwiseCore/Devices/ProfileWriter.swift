/// Writes a device profile as YAML in the format `ProfileParser` reads, so a device probed on
/// one machine (`heapwise devices --profile NAME > board.yaml`) can be planned on another.
/// Keys come out in a fixed order and only where set, so the output diffs cleanly.
public enum ProfileWriter {
    public static func yaml(_ profile: DeviceProfile) -> String {
        var out: [String] = []
        out.append("name: \(quote(profile.name))")
        if !profile.description.isEmpty { out.append("description: \(quote(profile.description))") }
        if !profile.sources.isEmpty {
            out.append("source:")
            out += profile.sources.map { "  - \(quote($0))" }
        }
        if let constraints = constraints(profile.constraints) { out.append("constraints: \(constraints)") }
        if !profile.heapPreference.isEmpty {
            out.append("heaps: [\(profile.heapPreference.map(quote).joined(separator: ", "))]")
        }
        out.append("usages:")
        for usage in profile.usages {
            out.append("  \(quote(usage.name)):")
            if let constraints = constraints(usage.constraints) { out.append("    constraints: \(constraints)") }
            out.append("    formats:")
            for entry in usage.formats {
                var fields = ["format: \(entry.format.name)"]
                fields.append("modifiers: [\(entry.modifiers.map { quote($0.name) }.joined(separator: ", "))]")
                if let constraints = constraints(entry.constraints) { fields.append("constraints: \(constraints)") }
                out.append("      - { \(fields.joined(separator: ", ")) }")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// A flow mapping of the rules that are set, or nil when none is.
    static func constraints(_ c: Constraints) -> String? {
        var fields: [String] = []
        func add(_ key: String, _ value: Int?) { if let value { fields.append("\(key): \(value)") } }
        add("pitch_alignment", c.pitchAlignment)
        add("offset_alignment", c.offsetAlignment)
        add("width_alignment", c.widthAlignment)
        add("height_alignment", c.heightAlignment)
        add("extra_rows", c.extraRows)
        add("padding_bytes", c.paddingBytes)
        add("size_alignment", c.sizeAlignment)
        add("min_width", c.minWidth)
        add("min_height", c.minHeight)
        add("max_width", c.maxWidth)
        add("max_height", c.maxHeight)
        add("max_pitch", c.maxPitch)
        if let contiguous = c.contiguous { fields.append("contiguous: \(contiguous)") }
        add("address_bits", c.addressBits)
        if let iommu = c.iommu { fields.append("iommu: \(iommu)") }
        if let cache = c.cache { fields.append("cache: \(cache.rawValue)") }
        if let placement = c.placement {
            let groups = placement.groupOf.enumerated().map { "\($0.offset): g\($0.element)" }
            fields.append("plane_placement: { \(groups.joined(separator: ", ")) }")
        }
        return fields.isEmpty ? nil : "{ " + fields.joined(separator: ", ") + " }"
    }

    /// Double-quoted YAML scalar, so names with ':' ('linux,cma', AFBC flags) stay strings.
    static func quote(_ text: String) -> String {
        JSON.string(text).serialized(indent: nil)
    }
}
