import Foundation

/// A JSON value as a strict RFC 8259 parser reads it. Written here rather than taken from
/// Foundation, whose `JSONDecoder` accepts trailing commas and whose `JSONSerialization` blurs
/// booleans and numbers: this one refuses anything the grammar does not allow (trailing
/// commas, comments, single quotes, bare words, NaN, leading zeros, control characters in
/// strings, duplicate keys, trailing text), and keeps integers apart from fractions.
indirect enum StrictJSON: Equatable {
    case null, bool(Bool), integer(Int), number(Double), string(String)
    case array([StrictJSON]), object([String: StrictJSON])

    struct SyntaxError: Error, CustomStringConvertible {
        let offset: Int
        let problem: String
        var description: String { "byte \(offset): \(problem)" }
    }

    static func parse(_ text: String) throws -> StrictJSON {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses raw output, so bytes that are not UTF-8 (RFC 8259 §8.1) are caught, not replaced.
    static func parse(bytes: [UInt8]) throws -> StrictJSON {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == parser.bytes.count else { throw parser.fail("text after the document") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var at = 0

        func fail(_ problem: String) -> SyntaxError { SyntaxError(offset: at, problem: problem) }

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[at]) { at += 1 }
        }

        mutating func expect(_ literal: String) throws {
            let expected = Array(literal.utf8)
            guard bytes.count - at >= expected.count, Array(bytes[at..<at + expected.count]) == expected else {
                throw fail("expected \(literal)")
            }
            at += expected.count
        }

        mutating func value(depth: Int) throws -> StrictJSON {
            guard depth < 512 else { throw fail("nested too deeply") }
            guard at < bytes.count else { throw fail("unexpected end") }
            switch bytes[at] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default: return try number()
            }
        }

        mutating func object(depth: Int) throws -> StrictJSON {
            at += 1
            var fields: [String: StrictJSON] = [:]
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(fields) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try string()
                guard fields[key] == nil else { throw fail("duplicate key '\(key)'") }
                skipSpace()
                try expect(":")
                skipSpace()
                fields[key] = try value(depth: depth + 1)
                skipSpace()
                guard at < bytes.count else { throw fail("unterminated object") }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(fields) }
                try expect(",")
            }
        }

        mutating func array(depth: Int) throws -> StrictJSON {
            at += 1
            var items: [StrictJSON] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw fail("unterminated array") }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                try expect(",")
            }
        }

        mutating func hex4() throws -> UInt32 {
            let hexDigits = Array("0123456789abcdefABCDEF".utf8)
            guard bytes.count - at >= 4, bytes[at..<at + 4].allSatisfy(hexDigits.contains) else { throw fail("\\u needs four hex digits") }
            defer { at += 4 }
            return UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) ?? 0
        }

        mutating func string() throws -> String {
            at += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() throws {
                guard let text = String(validating: raw, as: UTF8.self) else { throw fail("not UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
                raw.removeAll()
            }
            while at < bytes.count {
                let byte = bytes[at]
                at += 1
                switch byte {
                case UInt8(ascii: "\""):
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    guard at < bytes.count else { throw fail("unterminated escape") }
                    let escape = bytes[at]
                    at += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escape))
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{c}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code), bytes.count - at >= 2, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
                            at += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw fail("a high surrogate without its low half") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: throw fail("unknown escape")
                    }
                case 0..<0x20: throw fail("control character in a string")
                default: raw.append(byte)
                }
            }
            throw fail("unterminated string")
        }

        mutating func number() throws -> StrictJSON {
            let start = at
            func digits() -> Int {
                let first = at
                while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
                return at - first
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
            let integerStart = at
            let integerDigits = digits()
            guard integerDigits > 0 else { throw fail("not a JSON value") }
            guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw fail("leading zero") }
            var fractional = false
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                at += 1
                guard digits() > 0 else { throw fail("digits must follow '.'") }
                fractional = true
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                at += 1
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                guard digits() > 0 else { throw fail("digits must follow the exponent") }
                fractional = true
            }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            if !fractional, let integer = Int(text) { return .integer(integer) }
            guard let number = Double(text) else { throw fail("number out of range") }
            return .number(number)
        }
    }

    /// The basic type names `docs/json.md` uses.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

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
