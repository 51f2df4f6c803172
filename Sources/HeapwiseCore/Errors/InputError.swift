/// A problem in a file the user wrote (profile, pipeline, heap catalog), with where it is
/// and what to do about it. Rendered `file:line:column: message` like a compiler diagnostic.
public struct InputError: HeapwiseError, Hashable {
    /// What kind of problem it is. The raw values are stable (100–199; see `HeapwiseError`).
    public enum Code: Int32, Hashable, Sendable, CaseIterable {
        /// A value that breaks a rule of its key (out of range, not a power of two, empty list).
        case invalidValue = 100
        case fileNotFound = 101
        /// The file exists but cannot be read (permissions), or a directory cannot be listed.
        case unreadable = 102
        case notUTF8 = 103
        case emptyDocument = 104
        /// Not valid YAML.
        case syntax = 105
        case duplicateKey = 106
        /// A key the format does not have (the message suggests the closest one).
        case unknownKey = 107
        case missingKey = 108
        /// A value of the wrong shape: a list where one value belongs, text where a number does.
        case wrongType = 109
        /// A name Heapwise does not know: a format, a modifier, a heap kind.
        case unknownName = 110
        /// A named device profile that is in none of the places looked in.
        case profileNotFound = 111
        /// A live device (`drm:vkms`, `v4l2:vivid`) that cannot be probed on this machine.
        case deviceUnavailable = 112
        /// The same thing listed twice (a heap in a catalog).
        case duplicate = 113
    }

    public var code: Code
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(_ code: Code = .invalidValue, file: String? = nil, line: Int? = nil, column: Int? = nil, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var numericCode: Int32 { code.rawValue }

    public var description: String {
        var location = file ?? ""
        if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        return location.isEmpty ? message : "\(location): \(message)"
    }
}
