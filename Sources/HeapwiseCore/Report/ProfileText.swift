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

    public var json: JSON {
        func rules(_ c: Constraints) -> JSON { .string(ProfileWriter.constraints(c) ?? "{}") }
        return .object([
            ("name", .string(name)),
            ("description", .string(description)),
            ("source", .array(sources.map(JSON.string))),
            ("constraints", rules(constraints)),
            ("usages", .array(usages.map { usage in
                .object([
                    ("name", .string(usage.name)),
                    ("constraints", rules(usage.constraints)),
                    ("formats", .array(usage.formats.map { entry in
                        .object([
                            ("format", .string(entry.format.name)),
                            ("modifiers", .array(entry.modifiers.map { .string($0.name) })),
                            ("constraints", rules(entry.constraints)),
                        ])
                    })),
                ])
            })),
        ])
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
