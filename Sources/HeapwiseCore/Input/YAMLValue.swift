import Yams

/// A node of a parsed YAML document, with the file and key path it came from, so that every
/// error can say `profile.yaml:12:7: usages.scanout.formats[1].format: …`.
///
/// Profiles and pipelines are small documents written by hand; reading them through Yams'
/// node tree (rather than `Codable`) is what gives line and column for every value and lets
/// unknown keys be named with a suggestion.
struct YAMLValue {
    let node: Node
    let path: String
    let file: String?

    /// Parses `text`; syntax errors carry libyaml's line and column.
    static func parse(_ text: String, file: String?) throws(InputError) -> YAMLValue {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw InputError(.emptyDocument, file: file, message: "the document is empty")
            }
            return YAMLValue(node: node, path: "", file: file)
        } catch let error as InputError {
            throw error
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        } catch {
            throw InputError(.syntax, file: file, message: "not valid \(language(of: file)): \(error)")
        }
    }

    /// What a syntax error calls the file: JSON files are read by the same parser (JSON is
    /// YAML's flow style), but their authors think of them as JSON.
    private static func language(of file: String?) -> String {
        file?.hasSuffix(".json") == true ? "JSON" : "YAML"
    }

    private static func describe(_ error: YamlError, file: String?) -> InputError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _),
             let .composer(_, problem, mark, _):
            return InputError(.syntax, file: file, line: mark.line, column: mark.column, message: "not valid \(language(of: file)): \(problem)")
        case let .duplicatedKeysInMapping(duplicates, _):
            return InputError(.duplicateKey, file: file, message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return InputError(.syntax, file: file, message: "not valid \(language(of: file)): \(error)")
        }
    }

    /// An error at this value's line and column, its message prefixed with the value's path
    /// (`usages.scanout.constraints.pitch_alignment: …`).
    func error(_ message: String) -> InputError { error(.invalidValue, message) }

    func error(_ code: InputError.Code, _ message: String) -> InputError {
        InputError(
            code, file: file, line: node.mark?.line, column: node.mark?.column,
            message: path.isEmpty ? message : "\(path): \(message)"
        )
    }

    private func child(_ node: Node, _ component: String) -> YAMLValue {
        YAMLValue(node: node, path: path.isEmpty ? component : "\(path).\(component)", file: file)
    }

    /// Whether this is an explicit null (`null`, `~`; a quoted "null" is text), which a
    /// mapping's value uses to say "not set": `--json` output writes every key, unset ones as
    /// `null`, and reads back as if they were left out. An empty value (`formats:` with nothing
    /// after it) is not one: it stays the error it was, since it is more often a mistake.
    var isNull: Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain else { return false }
        return ["null", "Null", "NULL", "~"].contains(scalar.string)
    }

    /// The mapping's entries in document order, without those whose value is null; a key
    /// outside `allowed` is an error that names the closest allowed key.
    func mapping(allowed: [String]) throws(InputError) -> [(key: String, value: YAMLValue)] {
        guard case let .mapping(mapping) = node else {
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
        guard case let .mapping(mapping) = node else { throw error(.wrongType, "expected a mapping") }
        return mapping.map { keyNode, valueNode in
            let key = keyNode.string ?? ""
            return (YAMLValue(node: keyNode, path: path, file: file), child(valueNode, key))
        }
    }

    func sequence() throws(InputError) -> [YAMLValue] {
        guard case let .sequence(sequence) = node else { throw error(.wrongType, "expected a list") }
        return sequence.enumerated().map { index, node in
            YAMLValue(node: node, path: "\(path)[\(index)]", file: file)
        }
    }

    func string() throws(InputError) -> String {
        guard case let .scalar(scalar) = node else { throw error(.wrongType, "expected a single value") }
        return scalar.string
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
