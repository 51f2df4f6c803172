/// Reads device profiles from YAML (the format is documented in the README).
public enum ProfileParser {
    static let topKeys = ["name", "description", "source", "constraints", "heaps", "usages"]
    static let usageKeys = ["role", "constraints", "formats"]
    static let entryKeys = ["format", "modifiers", "constraints"]

    public static func parse(_ text: String, file: String? = nil) throws(InputError) -> DeviceProfile {
        let root = try YAMLValue.parse(text, file: file)
        let fields = try root.fields(allowed: topKeys, required: ["name", "usages"])
        guard let nameValue = fields["name"], let usagesValue = fields["usages"] else {
            throw root.error(.missingKey, "missing required key 'name' or 'usages'")
        }
        let name = try nameValue.string()
        guard !name.isEmpty, name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw nameValue.error("a profile name uses lowercase letters, digits, '-' and '_', got '\(name)'")
        }
        var usages: [Usage] = []
        for (key, value) in try usagesValue.entries() {
            usages.append(try parseUsage(name: try key.string(), value))
        }
        guard !usages.isEmpty else { throw usagesValue.error("a profile needs at least one usage") }
        return DeviceProfile(
            name: name,
            description: try fields["description"]?.string() ?? "",
            sources: try fields["source"]?.strings() ?? [],
            constraints: try fields["constraints"].map(ConstraintsParser.parse) ?? Constraints(),
            heapPreference: try fields["heaps"]?.strings() ?? [],
            usages: usages
        )
    }

    private static func parseUsage(name: String, _ value: YAMLValue) throws(InputError) -> Usage {
        let fields = try value.fields(allowed: usageKeys, required: ["formats"])
        guard let formatsValue = fields["formats"] else { throw value.error(.missingKey, "missing required key 'formats'") }
        var entries: [FormatEntry] = []
        for item in try formatsValue.sequence() {
            entries.append(try parseEntry(item))
        }
        guard !entries.isEmpty else { throw formatsValue.error("usage '\(name)' lists no formats") }
        var role: UsageRole?
        if let roleValue = fields["role"] {
            let text = try roleValue.string()
            guard let parsed = UsageRole(rawValue: text) else {
                throw roleValue.error("role must be producer or consumer, got '\(text)'")
            }
            role = parsed
        }
        return Usage(
            name: name, role: role,
            constraints: try fields["constraints"].map(ConstraintsParser.parse) ?? Constraints(),
            formats: entries
        )
    }

    private static func parseEntry(_ value: YAMLValue) throws(InputError) -> FormatEntry {
        // A bare string is shorthand for a linear-only entry: `- NV12`.
        if case .scalar = value.node {
            return FormatEntry(format: try parseFormat(value))
        }
        let fields = try value.fields(allowed: entryKeys, required: ["format"])
        guard let formatValue = fields["format"] else { throw value.error(.missingKey, "missing required key 'format'") }
        var modifiers: [Modifier] = []
        for item in try fields["modifiers"]?.sequence() ?? [] {
            modifiers.append(try parseModifier(item))
        }
        if fields["modifiers"] != nil && modifiers.isEmpty {
            throw value.error("an empty modifier list accepts nothing; omit 'modifiers' for [LINEAR]")
        }
        return FormatEntry(
            format: try parseFormat(formatValue),
            modifiers: modifiers.isEmpty ? [.linear] : modifiers,
            constraints: try fields["constraints"].map(ConstraintsParser.parse) ?? Constraints()
        )
    }

    static func parseFormat(_ value: YAMLValue) throws(InputError) -> FormatInfo {
        try value.name { (text) throws(FormatError) in try FormatInfo.parse(text) }
    }

    static func parseModifier(_ value: YAMLValue) throws(InputError) -> Modifier {
        try value.name { (text) throws(ModifierError) in try Modifier.parse(text) }
    }
}

/// Reads a `constraints:` mapping; the same keys serve device, usage and format level.
enum ConstraintsParser {
    static var keys: [String] { ConstraintKey.all.map(\.name) }

    static func parse(_ value: YAMLValue) throws(InputError) -> Constraints {
        var c = Constraints()
        for (name, field) in try value.mapping(allowed: keys) {
            guard let key = ConstraintKey.named(name) else { continue }  // `mapping` allowed only table keys
            try key.parse(field, &c)
            // Validate key by key so the error points at the offending line.
            if let error = key.check(c) { throw field.error(error.description) }
        }
        return c
    }
}
