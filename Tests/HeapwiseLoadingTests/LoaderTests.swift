import Foundation
import HeapwiseCore
import Testing
import HeapwiseLoading

/// Loading what users hand Heapwise: where profiles are looked for, in which order, how
/// paths resolve, and what a missing file says. (What each I/O failure says is
/// `UserFilesTests`, beside `UserFiles` in HeapwiseLinux.)
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
        #expect(error?.message.contains("no profile for device 'nowhere': looked for nowhere.yaml and nowhere.json in \(root)/Profiles, \(root)/Examples/Profiles, Profiles") == true)
        #expect(error?.line == 4, "the error points at the participant")
    }

    static let yuyvProfile = Array(String(decoding: profile, as: UTF8.self).replacingOccurrences(of: "[NV12]", with: "[YUYV]").utf8)

    /// Without given directories a name is looked for in `../Profiles` from the pipeline
    /// first (the repository's layout: `Examples/` beside `Profiles/`), then in `Profiles/`
    /// beside the pipeline; the first hit wins.
    @Test func theDefaultPlacesAreTriedInOrder() throws {
        let both = try Self.scratch([
            "Profiles/cam.yaml": Self.yuyvProfile, "Examples/Profiles/cam.yaml": Self.profile, "Examples/p.yaml": Self.pipeline("cam"),
        ])
        #expect(try Loader.pipeline(both + "/Examples/p.yaml").participants.first?.usage.acceptedFormats.map(\.name) == ["YUYV"])
        let besideOnly = try Self.scratch(["Examples/Profiles/cam.yaml": Self.profile, "Examples/p.yaml": Self.pipeline("cam")])
        #expect(try Loader.pipeline(besideOnly + "/Examples/p.yaml").participants.first?.usage.acceptedFormats.map(\.name) == ["NV12"])
    }

    /// Given directories are tried in the order given.
    @Test func givenDirectoriesAreTriedInOrder() throws {
        let root = try Self.scratch(["a/cam.yaml": Self.yuyvProfile, "b/cam.yaml": Self.profile, "p.yaml": Self.pipeline("cam")])
        let first = try Loader.pipeline(root + "/p.yaml", profileDirectories: [root + "/b", root + "/a"])
        #expect(first.participants.first?.usage.acceptedFormats.map(\.name) == ["NV12"])
        let onlyInSecond = try Loader.pipeline(root + "/p.yaml", profileDirectories: [root + "/none", root + "/a"])
        #expect(onlyInSecond.participants.first?.usage.acceptedFormats.map(\.name) == ["YUYV"])
    }

    /// A path reference is tried beside the pipeline, then as given (from the working
    /// directory); an absolute one is taken as it is.
    @Test func pathReferencesResolveBesideThePipelineThenAsGiven() throws {
        let root = try Self.scratch(["elsewhere/cam.yaml": Self.profile, "Examples/rel.yaml": Self.pipeline("devices/none.yaml")])
        let absolute = try Self.scratch(["Examples/p.yaml": Self.pipeline(root + "/elsewhere/cam.yaml")])
        #expect(try Loader.pipeline(absolute + "/Examples/p.yaml").participants.map(\.device.name) == ["cam"])
        let error = #expect(throws: InputError.self) { try Loader.pipeline(root + "/Examples/rel.yaml") }
        #expect(error?.code == .profileNotFound)
        #expect(error?.message == "no profile for device 'devices/none.yaml': looked for \(root)/Examples/devices/none.yaml, devices/none.yaml")
    }

    /// A pipeline or catalog that is not there is `fileNotFound`, naming the path.
    @Test func missingFilesAreFileNotFound() throws {
        let root = try Self.scratch([:])
        let pipeline = #expect(throws: InputError.self) { try Loader.pipeline(root + "/none.yaml") }
        #expect(pipeline?.code == .fileNotFound && pipeline?.description == "\(root)/none.yaml: no such file")
        let catalog = #expect(throws: InputError.self) { try Loader.heapCatalog(root + "/heaps.yaml") }
        #expect(catalog?.code == .fileNotFound && catalog?.description == "\(root)/heaps.yaml: no such file")
        let planHeaps = #expect(throws: InputError.self) { try Loader.planCatalog(file: root + "/heaps.yaml") }
        #expect(planHeaps == catalog, "--heaps FILE fails the same way")
    }

    /// A catalog file is used as given and is never live; without one the machine's heaps
    /// are live, and the built-in stand-in says this machine has none.
    @Test func heapCatalogsComeFromTheFileElseThisMachine() throws {
        let root = try Self.scratch(["heaps.yaml": Array("heaps:\n  - { name: tiny, kind: cma, capacity: 4KiB }\n".utf8)])
        let file = try Loader.planCatalog(file: root + "/heaps.yaml")
        #expect(!file.live && file.catalog.origin == root + "/heaps.yaml" && file.catalog.heaps.map(\.name) == ["tiny"])
        let machine = try Loader.planCatalog(file: nil)
        if machine.live {
            #expect(machine.catalog.origin.hasPrefix("live: "))
        } else {
            #expect(machine.catalog.heaps == HeapCatalog.builtIn.heaps && machine.catalog.origin.hasSuffix("this machine has no /dev/dma_heap"))
        }
    }

    @Test func aProfileDirectoryIsReadInNameOrder() throws {
        let second = Array(String(decoding: Self.profile, as: UTF8.self).replacingOccurrences(of: "name: cam", with: "name: aaa").utf8)
        let root = try Self.scratch(["b.yaml": Self.profile, "a.yaml": second, "notes.txt": [0x41]])
        #expect(try Loader.profiles(in: root).map(\.name) == ["aaa", "cam"])
        let empty = #expect(throws: InputError.self) { try Loader.profiles(in: root + "/nothing") }
        #expect(empty?.code == .fileNotFound)
    }

    /// A hints file gives each matching participant its hint; a missing explicit file is an
    /// error, and no file at all (none given, none in /etc/heapwise) means no hints.
    @Test func hintsComeFromTheGivenFile() throws {
        let root = try Self.scratch([
            "Profiles/cam.yaml": Self.profile, "p.yaml": Self.pipeline("cam"),
            "hints.yaml": Array("hints:\n  - { device: cam, usage: write, heaps: [reserved] }\n".utf8),
        ])
        let hints = try #require(try Loader.heapHints(file: root + "/hints.yaml"))
        let pipeline = try Loader.pipeline(root + "/p.yaml", hints: hints)
        #expect(pipeline.participants[0].heapHint == HeapHint(heaps: ["reserved"], source: "hints file \(root)/hints.yaml"))
        #expect(try Loader.pipeline(root + "/p.yaml").participants[0].heapHint == nil)
        #expect(throws: InputError.self) { try Loader.heapHints(file: root + "/missing.yaml") }
    }
}
