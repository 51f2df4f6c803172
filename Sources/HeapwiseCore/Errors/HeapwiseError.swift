/// An error Heapwise reports, with a stable number for scripts and the C API (the `errno` of
/// Heapwise): the numbers never change meaning, and new ones are only added. This table is
/// the one list of them (the DocC article "Errors" repeats it for readers of the docs).
///
/// | range     | type                  | what went wrong |
/// |-----------|-----------------------|-----------------|
/// | 100–199   | `InputError`          | a file or description the user wrote (profile, pipeline, heap catalog) |
/// | 200–299   | `ConstraintError`     | rules that cannot hold or cannot be combined |
/// | 300–399   | `LayoutError`         | a layout that cannot be computed |
/// | 400–449   | `FormatError`         | a format name |
/// | 450–499   | `ModifierError`       | a modifier name |
/// | 500–549   | `IOVAError`           | a device address that cannot be given or taken back |
/// | 550–599   | `ResidencyError`      | a submission that cannot be made resident |
/// | 600–649   | `PlanError`           | a plan asked of a pipeline that has none |
/// | 1000–1099 | `LinuxError`          | the kernel refused (HeapwiseLinux) |
/// | 1100–1149 | `BrokerProtocolError` | the broker refused a request, or a message broke the protocol |
/// | 1150–1199 | `BrokerClientError`   | the broker could not be reached or answered out of protocol (HeapwiseClient) |
public protocol HeapwiseError: Error, Sendable, CustomStringConvertible {
    /// The stable number of this kind of failure.
    var numericCode: Int32 { get }
    /// What to do about it, when the error knows (a `LinuxError`'s udev rule, a refusal's
    /// remedy is inside its message); nil otherwise.
    var remedy: String? { get }
}

extension HeapwiseError {
    public var remedy: String? { nil }
}

/// No plan satisfies the pipeline, and something needed one (allocating it, pooling it).
public struct PlanError: HeapwiseError, Hashable {
    /// Why not: the rejections and the nearest size that plans, as `heapwise plan` prints them.
    public var explanation: String

    public init(explanation: String) { self.explanation = explanation }

    public var numericCode: Int32 { 600 }
    public var description: String { "no plan satisfies this pipeline" + (explanation.isEmpty ? "" : ":\n" + explanation) }
}

extension IOVAError: HeapwiseError {
    public var numericCode: Int32 {
        switch self {
        case .zeroSize: 500
        case .alignmentNotPowerOfTwo: 501
        case .largerThanSpace: 502
        case .noRoom: 503
        case .notMapped: 504
        }
    }
}

extension ResidencyError: HeapwiseError {
    public var numericCode: Int32 {
        switch self {
        case .neverFits: 550
        case .pinned: 551
        case .zeroSize: 552
        }
    }
}

extension BrokerProtocolError: HeapwiseError {
    public var numericCode: Int32 {
        switch self {
        case .malformed: 1100
        case .unsupportedVersion: 1101
        case .outOfOrder: 1102
        case .refused: 1103
        case .quota: 1104
        case .rateLimited: 1105
        case .invalidPipeline: 1106
        case .unsatisfiable: 1107
        case .allocationFailed: 1108
        }
    }
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
