/// A problem in a file the user wrote (profile, pipeline, heap catalog), with where it is
/// and what to do about it. Rendered `file:line:column: message` like a compiler diagnostic.
public struct InputError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = file ?? ""
        if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return location.isEmpty ? message : "\(location): \(message)"
    }
}
