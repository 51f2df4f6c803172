/// A node of a parsed YAML document, with the file and key path it came from, so that every
/// error can say `profile.yaml:12:7: usages.scanout.formats[1].format: …`.
///
/// Profiles and pipelines are small documents written by hand; reading them as a node tree
/// (`YAMLDocument`, composed from libyaml's events) rather than decoding them is what gives
/// line and column for every value and lets unknown keys be named with a suggestion.
struct YAMLValue {
    let node: YAMLNode
    let path: String
    let file: String?

    /// Parses `text`; syntax errors carry libyaml's line and column.
    static func parse(_ text: String, file: String?) throws(InputError) -> YAMLValue {
        do {
            return YAMLValue(node: try YAMLDocument.compose(text), path: "", file: file)
        } catch {
            throw Self.describe(error, file: file)
        }
    }

    /// What a syntax error calls the file: JSON files are read by the same parser (JSON is
    /// YAML's flow style), but their authors think of them as JSON.
    private static func language(of file: String?) -> String {
        file?.hasSuffix(".json") == true ? "JSON" : "YAML"
    }

    private static func describe(_ problem: YAMLProblem, file: String?) -> InputError {
        switch problem {
        case .empty:
            return InputError(.emptyDocument, file: file, message: "the document is empty")
        case let .syntax(text, mark):
            return InputError(.syntax, file: file, line: mark?.line, column: mark?.column, message: "not valid \(language(of: file)): \(text)")
        case let .duplicateKeys(keys, _):
            return InputError(.duplicateKey, file: file, message: "duplicate keys: \(keys.joined(separator: ", "))")
        }
    }

    /// An error at this value's line and column, its message prefixed with the value's path
    /// (`usages.scanout.constraints.pitch_alignment: …`).
    func error(_ message: String) -> InputError { error(.invalidValue, message) }

    func error(_ code: InputError.Code, _ message: String) -> InputError {
        InputError(
            code, file: file, line: node.mark.line, column: node.mark.column,
            message: path.isEmpty ? message : "\(path): \(message)"
        )
    }

    private func child(_ node: YAMLNode, _ component: String) -> YAMLValue {
        YAMLValue(node: node, path: path.isEmpty ? component : "\(path).\(component)", file: file)
    }

    /// Whether this is an explicit null (`null`, `~`; a quoted "null" is text), which a
    /// mapping's value uses to say "not set": `--json` output writes every key, unset ones as
    /// `null`, and reads back as if they were left out. An empty value (`formats:` with nothing
    /// after it) is not one: it stays the error it was, since it is more often a mistake.
    var isNull: Bool {
        guard case let .scalar(text, plain: true, _) = node else { return false }
        return ["null", "Null", "NULL", "~"].contains(text)
    }

    /// The mapping's entries in document order, without those whose value is null; a key
    /// outside `allowed` is an error that names the closest allowed key.
    func mapping(allowed: [String]) throws(InputError) -> [(key: String, value: YAMLValue)] {
        guard case let .mapping(mapping, _) = node else {
            throw error(.wrongType, "expected a mapping of keys (\(allowed.joined(separator: ", ")))")
        }
        var entries: [(key: String, value: YAMLValue)] = []
        for (keyNode, valueNode) in mapping {
            let key = keyNode.string ?? ""
            let entry = child(valueNode, key)
            guard allowed.contains(key) else {
                let hint = NameMatch.closest(to: key, among: allowed).map { "did you mean '\($0)'?" }
                    ?? "valid keys: \(allowed.joined(separator: ", "))"
                throw YAMLValue(node: keyNode, path: path, file: file).error(.unknownKey, "unknown key '\(key)': \(hint)")
            }
            if !entry.isNull { entries.append((key, entry)) }
        }
        return entries
    }

    /// Like `mapping(allowed:)` but keyed by name, checking that `required` keys are present.
    func fields(allowed: [String], required: [String] = []) throws(InputError) -> [String: YAMLValue] {
        var result: [String: YAMLValue] = [:]
        for (key, value) in try mapping(allowed: allowed) { result[key] = value }
        for key in required where result[key] == nil {
            throw error(.missingKey, "missing required key '\(key)'")
        }
        return result
    }

    /// Entries of a mapping whose keys are data (usage names, plane indices), in order.
    func entries() throws(InputError) -> [(key: YAMLValue, value: YAMLValue)] {
        guard case let .mapping(mapping, _) = node else { throw error(.wrongType, "expected a mapping") }
        return mapping.map { keyNode, valueNode in
            let key = keyNode.string ?? ""
            return (YAMLValue(node: keyNode, path: path, file: file), child(valueNode, key))
        }
    }

    func sequence() throws(InputError) -> [YAMLValue] {
        guard case let .sequence(sequence, _) = node else { throw error(.wrongType, "expected a list") }
        return sequence.enumerated().map { index, node in
            YAMLValue(node: node, path: "\(path)[\(index)]", file: file)
        }
    }

    func string() throws(InputError) -> String {
        guard case let .scalar(text, _, _) = node else { throw error(.wrongType, "expected a single value") }
        return text
    }

    /// A whole number: decimal, `0x` hex, or a byte size with a binary suffix (`64KiB`, `256MiB`).
    func int() throws(InputError) -> Int {
        let text = try string()
        guard let value = ByteCount.parse(text) else {
            throw error(.wrongType, "expected a whole number (decimal, 0x hex or with KiB/MiB/GiB), got '\(text)'")
        }
        return value
    }

    func bool() throws(InputError) -> Bool {
        switch try string().lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(.wrongType, "expected true or false, got '\(other)'")
        }
    }

    /// A name that `lookup` resolves (a format, a modifier); a name it does not know is an
    /// `.unknownName` error at this value, with `lookup`'s message (which suggests a spelling).
    func name<T, E: HeapwiseError>(_ lookup: (String) throws(E) -> T) throws(InputError) -> T {
        let text = try string()
        do {
            return try lookup(text)
        } catch {
            throw self.error(.unknownName, error.description)
        }
    }

    /// A single string or a list of strings.
    func strings() throws(InputError) -> [String] {
        if case .sequence = node {
            var result: [String] = []
            for item in try sequence() { result.append(try item.string()) }
            return result
        }
        return [try string()]
    }
}
