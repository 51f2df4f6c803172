import Foundation
import HeapwiseCore
import Testing
@testable import HeapwiseLinux

/// Loading what users hand Heapwise: where profiles are looked for, how paths resolve, and
/// what each I/O failure says.
@Suite struct LoaderTests {
    /// A fresh directory with `files` written into it (relative paths, parents created).
    static func scratch(_ files: [String: [UInt8]]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("heapwise-loader-\(UUID().uuidString)").path
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
    static func pipeline(_ device: String) -> [UInt8] {
        Array("width: 64\nheight: 64\nparticipants:\n  - { device: \(device), usage: write }\n".utf8)
    }

    @Test func pathsFoldDotsAndKeepAbsolutePaths() {
        #expect(Paths.join("Examples", "../Profiles") == "Profiles")
        #expect(Paths.join("Examples", "./x.yaml") == "Examples/x.yaml")
        #expect(Paths.join("", "../Profiles") == "../Profiles")
        #expect(Paths.join("/a/b", "/etc/x.yaml") == "/etc/x.yaml")
        #expect(Paths.directory(of: "Examples/video.yaml") == "Examples")
        #expect(Paths.directory(of: "video.yaml") == "")
    }

    /// A name is found in `Profiles/` beside the pipeline's directory when no directory is given.
    @Test func namesAreLookedUpBesideThePipeline() throws {
        let root = try Self.scratch(["Profiles/cam.yaml": Self.profile, "Examples/p.yaml": Self.pipeline("cam")])
        let pipeline = try Loader.pipeline(root + "/Examples/p.yaml")
        #expect(pipeline.participants.map(\.device.name) == ["cam"])
    }

    /// Given directories replace the default places, in order.
    @Test func givenDirectoriesReplaceTheDefaults() throws {
        let root = try Self.scratch(["Profiles/cam.yaml": Self.profile, "mine/cam.yaml": Array(String(decoding: Self.profile, as: UTF8.self).replacingOccurrences(of: "[NV12]", with: "[YUYV]").utf8), "Examples/p.yaml": Self.pipeline("cam")])
        let pipeline = try Loader.pipeline(root + "/Examples/p.yaml", profileDirectories: [root + "/mine"])
        #expect(pipeline.participants.first?.usage.acceptedFormats.map(\.name) == ["YUYV"])
    }

    /// A path is taken relative to the pipeline file first.
    @Test func pathsAreRelativeToThePipeline() throws {
        let root = try Self.scratch(["Examples/devices/cam.yaml": Self.profile, "Examples/p.yaml": Self.pipeline("devices/cam.yaml")])
        #expect(try Loader.pipeline(root + "/Examples/p.yaml").participants.count == 1)
    }

    @Test func aMissingProfileNamesEveryPlaceLookedIn() throws {
        let root = try Self.scratch(["Examples/p.yaml": Self.pipeline("nowhere")])
        let error = #expect(throws: InputError.self) { try Loader.pipeline(root + "/Examples/p.yaml") }
        #expect(error?.code == .profileNotFound)
        #expect(error?.message.contains("no profile for device 'nowhere': looked for \(root)/Profiles/nowhere.yaml, \(root)/Examples/Profiles/nowhere.yaml, Profiles/nowhere.yaml") == true)
        #expect(error?.line == 4, "the error points at the participant")
    }

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

    @Test func aProfileDirectoryIsReadInNameOrder() throws {
        let second = Array(String(decoding: Self.profile, as: UTF8.self).replacingOccurrences(of: "name: cam", with: "name: aaa").utf8)
        let root = try Self.scratch(["b.yaml": Self.profile, "a.yaml": second, "notes.txt": [0x41]])
        #expect(try Loader.profiles(in: root).map(\.name) == ["aaa", "cam"])
        let empty = #expect(throws: InputError.self) { try Loader.profiles(in: root + "/nothing") }
        #expect(empty?.code == .fileNotFound)
    }
}
