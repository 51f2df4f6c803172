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
            // A role the name does not imply is the only one that needs saying.
            if let role = usage.role, role != UsageRole(usageName: usage.name) { out.append("    role: \(role.rawValue)") }
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

    /// A flow mapping of the rules that are set, in table order, or nil when none is.
    static func constraints(_ c: Constraints) -> String? {
        let fields = ConstraintKey.all.compactMap { $0.write(c) }
        return fields.isEmpty ? nil : "{ " + fields.joined(separator: ", ") + " }"
    }

    /// Double-quoted YAML scalar, so names with ':' ('linux,cma', AFBC flags) stay strings.
    static func quote(_ text: String) -> String {
        JSON.string(text).serialized(indent: nil)
    }
}
