/// A JSON value as a strict RFC 8259 parser reads it: the broker's message bodies and the
/// tests' reading of every `--json` output. Written here rather than taken from Foundation, whose `JSONDecoder` accepts trailing commas and whose `JSONSerialization` blurs
/// booleans and numbers: this one refuses anything the grammar does not allow (trailing
/// commas, comments, single quotes, bare words, NaN, leading zeros, control characters in
/// strings, duplicate keys, trailing text), and keeps integers apart from fractions.
public indirect enum StrictJSON: Equatable, Sendable {
    case null, bool(Bool), integer(Int), number(Double), string(String)
    case array([StrictJSON]), object([String: StrictJSON])

    public struct SyntaxError: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let problem: String
        public var description: String { "byte \(offset): \(problem)" }
    }

    public static func parse(_ text: String) throws(SyntaxError) -> StrictJSON {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses raw bytes, so bytes that are not UTF-8 (RFC 8259 §8.1) are caught, not replaced.
    public static func parse(bytes: [UInt8]) throws(SyntaxError) -> StrictJSON {
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

        mutating func expect(_ literal: String) throws(SyntaxError) {
            let expected = Array(literal.utf8)
            guard bytes.count - at >= expected.count, Array(bytes[at..<at + expected.count]) == expected else {
                throw fail("expected \(literal)")
            }
            at += expected.count
        }

        mutating func value(depth: Int) throws(SyntaxError) -> StrictJSON {
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

        mutating func object(depth: Int) throws(SyntaxError) -> StrictJSON {
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

        mutating func array(depth: Int) throws(SyntaxError) -> StrictJSON {
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

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            let hexDigits = Array("0123456789abcdefABCDEF".utf8)
            guard bytes.count - at >= 4, bytes[at..<at + 4].allSatisfy(hexDigits.contains) else { throw fail("\\u needs four hex digits") }
            defer { at += 4 }
            return UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) ?? 0
        }

        mutating func string() throws(SyntaxError) -> String {
            at += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() throws(SyntaxError) {
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

        mutating func number() throws(SyntaxError) -> StrictJSON {
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
    public var typeName: String {
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


extension JSON {
    /// A parsed document written again (a broker's reply printed by the client). Object keys
    /// come out sorted: the parse kept no order.
    public init(_ value: StrictJSON) {
        switch value {
        case .null: self = .null
        case let .bool(flag): self = .bool(flag)
        case let .integer(number): self = .int(number)
        case let .number(number): self = .double(number)
        case let .string(text): self = .string(text)
        case let .array(items): self = .array(items.map(JSON.init))
        case let .object(fields): self = .object(fields.keys.sorted().map { ($0, JSON(fields[$0] ?? .null)) })
        }
    }
}
