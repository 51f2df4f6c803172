import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux

/// Why a call through the front door failed: the error underneath, which keeps its stable
/// number (`numericCode`, see `HeapwiseError`), message and remedy, and the category a
/// caller acts on (the CLI's exit status, the C API's status).
public enum HeapwiseFailure: HeapwiseError {
    /// A pipeline, profile, catalog or hints file that does not read.
    case input(InputError)
    /// No plan satisfies the pipeline, and allocating or pooling needed one.
    case noPlan(PlanError)
    /// The kernel refused: no heap of the plan could allocate, a descriptor, a mapping.
    case kernel(LinuxError)
    /// The broker could not be reached, refused, or broke the protocol.
    case broker(BrokerClientError)

    /// What kind of failure, whichever path it came from: a broker's `invalid_pipeline`
    /// refusal is invalid input as much as a local parse error is.
    public enum Category: Sendable, Hashable {
        case invalidInput
        case unsatisfiable
        /// The kernel could not allocate, or the broker refused or could not be reached.
        case allocationFailed
    }

    public var category: Category {
        switch self {
        case .input, .broker(.request): .invalidInput
        case .noPlan, .broker(.refused(.unsatisfiable)): .unsatisfiable
        case .broker(.refused(.invalidPipeline)): .invalidInput
        case .kernel, .broker: .allocationFailed
        }
    }

    /// The error underneath.
    public var underlying: any HeapwiseError {
        switch self {
        case let .input(error): error
        case let .noPlan(error): error
        case let .kernel(error): error
        case let .broker(error): error
        }
    }

    public var numericCode: Int32 { underlying.numericCode }
    public var remedy: String? { underlying.remedy }
    public var description: String { underlying.description }
}
