/// An error Heapwise reports, with a stable number for scripts and a future C API (the
/// `errno` of Heapwise): the numbers never change meaning, and new ones are only added.
///
/// | range     | type              | what went wrong |
/// |-----------|-------------------|-----------------|
/// | 100–199   | `InputError`      | a file the user wrote (profile, pipeline, heap catalog) |
/// | 200–299   | `ConstraintError` | rules that cannot hold or cannot be combined |
/// | 300–399   | `LayoutError`     | a layout that cannot be computed |
/// | 400–449   | `FormatError`     | a format name |
/// | 450–499   | `ModifierError`   | a modifier name |
/// | 1000–1099 | `LinuxError`      | the kernel refused (HeapwiseLinux) |
public protocol HeapwiseError: Error, Sendable, CustomStringConvertible {
    /// The stable number of this kind of failure.
    var numericCode: Int32 { get }
}

extension ConstraintError: HeapwiseError {
    public var numericCode: Int32 {
        switch self {
        case .alignmentOverflow: 200
        case .nonPositive: 201
        case .negative: 202
        case .notPowerOfTwo: 203
        case .addressBitsOutOfRange: 204
        case .iovaBitsOutOfRange: 205
        }
    }
}

extension LayoutError: HeapwiseError {
    public var numericCode: Int32 {
        switch self {
        case .overflow: 300
        case .opaqueModifier: 301
        }
    }
}

extension FormatError: HeapwiseError {
    public var numericCode: Int32 {
        switch self {
        case .unknownFormat: 400
        }
    }
}

extension ModifierError: HeapwiseError {
    public var numericCode: Int32 {
        switch self {
        case .unknownModifier: 450
        case .invalidArguments: 451
        }
    }
}
