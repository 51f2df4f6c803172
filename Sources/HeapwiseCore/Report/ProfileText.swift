/// The readable and JSON forms of a device profile, for `heapwise devices`.
extension DeviceProfile {
    /// A block per usage: its rules, then one line per format with its modifiers.
    public func summary(as title: String) -> String {
        var lines = ["\(title): \(description.isEmpty ? name : description)"]
        if let rules = ProfileWriter.constraints(constraints) { lines.append("  rules: \(rules)") }
        for usage in usages {
            lines.append("  \(usage.name):" + (ProfileWriter.constraints(usage.constraints).map { " \($0)" } ?? ""))
            for entry in usage.formats {
                let extra = ProfileWriter.constraints(entry.constraints).map { "  \($0)" } ?? ""
                lines.append("    \(entry.format.name.padding(12)) \(entry.modifiers.map(\.name).joined(separator: ", "))\(extra)")
            }
        }
        for source in sources { lines.append("  source: \(source)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The profile as JSON in the shape of a profile file (`ProfileParser` reads it back, so
    /// `heapwise devices --profile X --json > x.json` is a profile): usages keyed by name,
    /// every constraint key present, `null` where unset.
    public var json: JSON {
        .object([
            ("name", .string(name)),
            ("description", description.isEmpty ? .null : .string(description)),
            ("source", .array(sources.map(JSON.string))),
            ("constraints", constraints.json),
            ("heaps", .array(heapPreference.map(JSON.string))),
            ("usages", .object(usages.map { usage in
                (usage.name, .object([
                    ("role", JSON(usage.role?.rawValue)),
                    ("constraints", usage.constraints.json),
                    ("formats", .array(usage.formats.map { entry in
                        .object([
                            ("format", .string(entry.format.name)),
                            ("modifiers", .array(entry.modifiers.map { .string($0.name) })),
                            ("constraints", entry.constraints.json),
                        ])
                    })),
                ]))
            })),
        ])
    }
}

extension Constraints {
    /// Every key of the table, in table order, with its value or `null`.
    public var json: JSON { .object(ConstraintKey.all.map { ($0.name, $0.json(self)) }) }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
