// SPDX-License-Identifier: MIT
import CHeapwiseAPI
import Heapwise
import HeapwiseCore

/// `heapwise_error`: a failure as C sees it, with the same number, message and remedy the
/// CLI prints.
final class ErrorHandle: CHandle {
    let status: heapwise_status
    let code: Int32
    let message: String
    let remedy: String?
    let strings = CStrings()

    init(_ failure: HeapwiseFailure) {
        status = failure.status
        code = failure.numericCode
        message = failure.description
        remedy = failure.remedy
    }
}

extension HeapwiseFailure {
    /// The header's status for each category (the CLI's exit statuses 2, 3 and 4).
    var status: heapwise_status {
        switch category {
        case .invalidInput: HEAPWISE_INVALID_INPUT
        case .unsatisfiable: HEAPWISE_UNSATISFIABLE
        case .allocationFailed: HEAPWISE_ALLOCATION_FAILED
        }
    }

    /// A call's argument that cannot be used: NULL, out of range, not UTF-8, an unknown enum
    /// value. Named with the function, as a C programmer reads it.
    static func argument(_ function: String, _ message: String) -> HeapwiseFailure {
        .input(InputError(.invalidValue, message: "\(function.prefix { $0 != "(" }): \(message)"))
    }
}

/// Runs an entry point that can fail: `HEAPWISE_OK`, or the failure's status with a new
/// error object in `*error` (when the caller asked for one and `*error` is still NULL, as
/// heapwise.h requires; a non-NULL `*error` keeps the first failure).
func entry(_ errorOut: UnsafeMutablePointer<OpaquePointer?>?, _ body: () throws(HeapwiseFailure) -> Void) -> heapwise_status {
    do {
        try body()
        return HEAPWISE_OK
    } catch {
        if let errorOut, errorOut.pointee == nil { errorOut.pointee = ErrorHandle(error).retainedPointer }
        return error.status
    }
}

/// Checks of the arguments C passes in: each failure names the function and the argument.
enum Argument {
    static func handle<T: CHandle>(_ pointer: OpaquePointer?, _ name: String, function: String = #function) throws(HeapwiseFailure) -> T {
        guard let object = T.from(pointer) else { throw .argument(function, "\(name) is NULL") }
        return object
    }

    static func text(_ pointer: UnsafePointer<CChar>?, _ name: String, function: String = #function) throws(HeapwiseFailure) -> String {
        guard let pointer else { throw .argument(function, "\(name) is NULL") }
        guard let text = String(validatingCString: pointer) else { throw .argument(function, "\(name) is not UTF-8 text") }
        return text
    }

    /// An optional string: NULL is nil.
    static func optionalText(_ pointer: UnsafePointer<CChar>?, _ name: String, function: String = #function) throws(HeapwiseFailure) -> String? {
        guard pointer != nil else { return nil }
        return try text(pointer, name, function: function)
    }

    static func output<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String, function: String = #function) throws(HeapwiseFailure) -> UnsafeMutablePointer<T> {
        guard let pointer else { throw .argument(function, "\(name) is NULL: pass the address of a variable to receive the result") }
        return pointer
    }
}

@c @implementation
public func heapwise_error_status(_ error: OpaquePointer?) -> heapwise_status {
    ErrorHandle.from(error)?.status ?? HEAPWISE_OK
}

@c @implementation
public func heapwise_error_code(_ error: OpaquePointer?) -> Int32 {
    ErrorHandle.from(error)?.code ?? 0
}

@c @implementation
public func heapwise_error_message(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = ErrorHandle.from(error) else { return nil }
    return handle.strings.pointer(.message) { handle.message }
}

@c @implementation
public func heapwise_error_remedy(_ error: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = ErrorHandle.from(error), let remedy = handle.remedy else { return nil }
    return handle.strings.pointer(.remedy) { remedy }
}

@c @implementation
public func heapwise_error_free(_ error: OpaquePointer?) {
    ErrorHandle.release(error)
}

// MARK: Version

@c @implementation
public func heapwise_version() -> UInt32 {
    UInt32(HEAPWISE_VERSION_MAJOR) << 16 | UInt32(HEAPWISE_VERSION_MINOR) << 8 | UInt32(HEAPWISE_VERSION_MICRO)
}

/// "MAJOR.MINOR.MICRO", made once (a global's initialiser runs once, thread-safely).
private let versionText = CStrings()

@c @implementation
public func heapwise_version_string() -> UnsafePointer<CChar>? {
    versionText.pointer(.text) { "\(HEAPWISE_VERSION_MAJOR).\(HEAPWISE_VERSION_MINOR).\(HEAPWISE_VERSION_MICRO)" }
}
