import ArgumentParser
import Foundation
import HeapwiseCore

/// Exit codes shared by every subcommand, so scripts can tell "your input is wrong" from
/// "your pipeline cannot be satisfied".
enum Exit {
    /// A file could not be read or parsed, or holds an impossible value.
    static let invalidInput = ExitCode(2)
    /// The input is fine but no plan satisfies every participant.
    static let unsatisfiable = ExitCode(3)
    /// The kernel refused: no heap of the plan could allocate, or a buffer failed its check.
    static let allocationFailed = ExitCode(4)
}

/// Prints an input error the way compilers do and exits with `Exit.invalidInput`.
func reportInvalidInput(_ error: InputError) -> ExitCode {
    printError("heapwise: error: \(error)")
    return Exit.invalidInput
}

func printError(_ message: String) {
    var standardError = StandardError()
    print(message, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
