import Foundation
import HeapwiseCore

/// The shapes `docs/json.md` documents: per shape (`<!-- shape: NAME -->`), each path's
/// allowed types, basic (`integer`, `string`, …) or another shape's name.
struct JSONShapes {
    struct Shape {
        let name: String
        /// Path → allowed types, in the document's order.
        var types: [String: [String]] = [:]
        var paths: [String] = []
    }

    static let basicTypes: Set = ["null", "boolean", "integer", "number", "string", "array", "object"]
    var shapes: [String: Shape] = [:]

    init(markdown: String) {
        var current: Shape?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("<!-- shape: ") {
                if let current { shapes[current.name] = current }
                current = Shape(name: String(line.dropFirst("<!-- shape: ".count).prefix { $0 != " " }))
                continue
            }
            guard current != nil, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let path = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let types = cells[2].components(separatedBy: " or ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "` ")) }
            current?.types[path == "(document)" ? "" : path] = types
            current?.paths.append(path == "(document)" ? "" : path)
        }
        if let current { shapes[current.name] = current }
    }

    /// Every way `value` departs from shape `name`: an undocumented key, a value of a type the
    /// table does not allow, a documented key missing from an object (absent values are
    /// `null`, never left out).
    func problems(_ value: StrictJSON, shape name: String, at location: String = "") -> [String] {
        guard let shape = shapes[name] else { return ["\(location): no shape '\(name)' in docs/json.md"] }
        return problems(value, shape, path: "", location: location)
    }

    private func problems(_ value: StrictJSON, _ shape: Shape, path: String, location: String) -> [String] {
        let here = location.isEmpty ? "(document)" : location
        guard let allowed = shape.types[path] else { return ["\(here): '\(path)' is not documented in shape \(shape.name)"] }
        if allowed.contains(value.typeName) == false {
            let shapeTypes = allowed.filter { !Self.basicTypes.contains($0) }
            guard case .object = value, shapeTypes.count == 1 else {
                return ["\(here): \(value.typeName) where shape \(shape.name) allows \(allowed.joined(separator: " or "))"]
            }
            return problems(value, shape: shapeTypes[0], at: location)
        }
        var found: [String] = []
        switch value {
        case let .object(fields):
            let prefix = path.isEmpty ? "" : path + "."
            let children = shape.paths.filter { $0.hasPrefix(prefix) && $0 != path && !$0.dropFirst(prefix.count).contains(".")
                && !$0.dropFirst(prefix.count).contains("[") }
            let wildcard = children.contains(prefix + "*")
            for child in children where !child.hasSuffix("*") {
                let key = String(child.dropFirst(prefix.count))
                if fields[key] == nil { found.append("\(here): key '\(key)' is missing") }
            }
            for (key, field) in fields.sorted(by: { $0.key < $1.key }) {
                let documented = shape.types[prefix + key] != nil
                let childPath = documented || !wildcard ? prefix + key : prefix + "*"
                found += problems(field, shape, path: childPath, location: location + "." + key)
            }
        case let .array(items):
            for (index, item) in items.enumerated() {
                found += problems(item, shape, path: path + "[]", location: location + "[\(index)]")
            }
        default: break
        }
        return found
    }
}
