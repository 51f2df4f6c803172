import Foundation

/// Where the shipped profiles and examples are: the checkout, or HEAPWISE_REPO where the tests
/// run away from it (the kernel lab copies Examples/ and Profiles/ into its payload).
enum Repository {
    static let path = ProcessInfo.processInfo.environment["HEAPWISE_REPO"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
    }
}
