import Foundation
import HeapwiseCore
import Testing
import HeapwiseLinux

/// Reading the files users hand Heapwise through the funnel: what each I/O failure says.
@Suite struct UserFilesTests {
    /// A fresh directory with `files` written into it (relative paths, parents created).
    static func scratch(_ files: [String: [UInt8]]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("heapwise-files-\(UUID().uuidString)").path
        for (path, bytes) in files {
            let url = URL(fileURLWithPath: root + "/" + path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        return root
    }

    static let profile = Array("""
        name: cam
        usages: { write: { formats: [NV12] } }
        """.utf8)

    @Test func fileErrorsSayWhatIsWrong() throws {
        let root = try Self.scratch(["bad.yaml": [0x66, 0xFF, 0xFE], "dir/x.yaml": Self.profile])
        let missing = #expect(throws: InputError.self) { try UserFiles.read(root + "/none.yaml") }
        #expect(missing?.code == .fileNotFound && missing?.description == "\(root)/none.yaml: no such file")
        let binary = #expect(throws: InputError.self) { try UserFiles.read(root + "/bad.yaml") }
        #expect(binary?.code == .notUTF8)
        let directory = #expect(throws: InputError.self) { try UserFiles.read(root + "/dir") }
        #expect(directory?.code == .unreadable)
        #expect(!UserFiles.exists(root + "/dir") && UserFiles.exists(root + "/dir/x.yaml"))
    }

    @Test func oversizedFilesAreRefusedBeforeTheyFillMemory() throws {
        let root = try Self.scratch(["huge.yaml": [UInt8](repeating: 0x20, count: UserFiles.sizeLimit + 1)])
        let error = #expect(throws: InputError.self) { try UserFiles.read(root + "/huge.yaml") }
        #expect(error?.code == .invalidValue && error?.message.contains("larger than 4 MiB") == true)
    }
}
