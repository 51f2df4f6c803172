/// A JSON object of a broker message, read strictly: each key is taken once with the type
/// the protocol gives it, and `done()` refuses any key left over, so a misspelt or unknown
/// field is an error naming it rather than silently ignored (`docs/protocol.md`).
public final class BrokerFields {
    private let fields: [String: StrictJSON]
    private var taken: Set<String> = []
    /// Where this object is in the body (`pipeline.participants[1]`), for messages.
    public let path: String

    public init(_ fields: [String: StrictJSON], path: String) {
        self.fields = fields
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func take(_ key: String) -> StrictJSON? {
        taken.insert(key)
        guard let value = fields[key] else { return nil }
        if case .null = value { return nil }
        return value
    }

    private func wrong(_ key: String, _ expected: String, _ value: StrictJSON) -> BrokerProtocolError {
        .malformed("\(name(key)) must be \(expected), not \(value.typeName)")
    }

    private func missing(_ key: String) -> BrokerProtocolError { .malformed("\(name(key)) is missing") }

    public func optionalString(_ key: String, maxLength: Int = 1 << 16) throws(BrokerProtocolError) -> String? {
        guard let value = take(key) else { return nil }
        guard case let .string(text) = value else { throw wrong(key, "a string", value) }
        guard text.utf8.count <= maxLength else { throw .malformed("\(name(key)) is longer than \(maxLength) bytes") }
        return text
    }

    public func string(_ key: String, maxLength: Int = 1 << 16) throws(BrokerProtocolError) -> String {
        guard let text = try optionalString(key, maxLength: maxLength) else { throw missing(key) }
        return text
    }

    public func optionalInt(_ key: String, in range: ClosedRange<Int>) throws(BrokerProtocolError) -> Int? {
        guard let value = take(key) else { return nil }
        guard case let .integer(number) = value else { throw wrong(key, "an integer", value) }
        guard range.contains(number) else { throw .malformed("\(name(key)) must be from \(range.lowerBound) to \(range.upperBound), got \(number)") }
        return number
    }

    public func int(_ key: String, in range: ClosedRange<Int>) throws(BrokerProtocolError) -> Int {
        guard let number = try optionalInt(key, in: range) else { throw missing(key) }
        return number
    }

    public func bool(_ key: String) throws(BrokerProtocolError) -> Bool {
        guard let value = take(key) else { throw missing(key) }
        guard case let .bool(flag) = value else { throw wrong(key, "true or false", value) }
        return flag
    }

    public func optionalObject(_ key: String) throws(BrokerProtocolError) -> BrokerFields? {
        guard let value = take(key) else { return nil }
        guard case let .object(object) = value else { throw wrong(key, "an object", value) }
        return BrokerFields(object, path: name(key))
    }

    public func object(_ key: String) throws(BrokerProtocolError) -> BrokerFields {
        guard let object = try optionalObject(key) else { throw missing(key) }
        return object
    }

    /// A list of at most `maxCount` values, each read by `item` (given its path).
    public func optionalArray<T>(_ key: String, maxCount: Int, _ item: (StrictJSON, String) throws(BrokerProtocolError) -> T) throws(BrokerProtocolError) -> [T]? {
        guard let value = take(key) else { return nil }
        guard case let .array(items) = value else { throw wrong(key, "a list", value) }
        guard items.count <= maxCount else { throw .malformed("\(name(key)) has \(items.count) items; at most \(maxCount)") }
        var result: [T] = []
        for (index, element) in items.enumerated() { result.append(try item(element, "\(name(key))[\(index)]")) }
        return result
    }

    public func array<T>(_ key: String, maxCount: Int, _ item: (StrictJSON, String) throws(BrokerProtocolError) -> T) throws(BrokerProtocolError) -> [T] {
        guard let items = try optionalArray(key, maxCount: maxCount, item) else { throw missing(key) }
        return items
    }

    /// Every key was taken: one that was not is not part of the protocol.
    public func done() throws(BrokerProtocolError) {
        let unknown = fields.keys.filter { !taken.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw .malformed("unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\(name($0))'" }.joined(separator: ", "))")
        }
    }

    // Items of lists.

    public static func object(_ value: StrictJSON, _ path: String) throws(BrokerProtocolError) -> BrokerFields {
        guard case let .object(object) = value else { throw .malformed("\(path) must be an object, not \(value.typeName)") }
        return BrokerFields(object, path: path)
    }

    public static func string(_ value: StrictJSON, _ path: String) throws(BrokerProtocolError) -> String {
        guard case let .string(text) = value else { throw .malformed("\(path) must be a string, not \(value.typeName)") }
        return text
    }

    public static func unsigned(_ value: StrictJSON, _ path: String) throws(BrokerProtocolError) -> UInt64 {
        guard case let .integer(number) = value, number >= 0 else { throw .malformed("\(path) must be a non-negative integer") }
        return UInt64(number)
    }
}
