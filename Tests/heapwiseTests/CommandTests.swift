import ArgumentParser
import Foundation
import Testing
import HeapwiseCore
@testable import heapwise

/// The CLI's contract with scripts: exit 0 when a plan is found, 3 when none satisfies the
/// pipeline, 2 for invalid input, and never a crash.
@Suite struct CommandTests {
    /// A scratch directory with a profile and pipelines, removed afterwards.
    final class Scratch {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "heapwise-tests-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path + "/Profiles", withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }

    /// The message argument parsing fails with, or nil when the arguments are accepted.
    func parseFailure(_ arguments: [String]) -> String? {
        do {
            _ = try HeapwiseCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return HeapwiseCommand.message(for: error)
        }
    }

    /// Runs the command line and returns its exit code (0 when `run()` returns normally).
    func exitCode(_ arguments: [String]) throws -> Int32 {
        do {
            var command = try HeapwiseCommand.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        }
    }

    func scratch() throws -> Scratch {
        let s = try Scratch()
        _ = try s.write("Profiles/cam.yaml", """
            name: cam
            constraints: { max_width: 1920 }
            usages: { write: { formats: [YUYV, NV12] } }
            """)
        return s
    }

    @Test func planFoundExitsZero() throws {
        let s = try scratch()
        let file = try s.write("ok.yaml", "width: 640\nheight: 480\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try exitCode(["plan", file]) == 0)
        #expect(try exitCode(["plan", file, "--json"]) == 0)
    }

    @Test func unsatisfiableExitsThree() throws {
        let s = try scratch()
        let file = try s.write("wide.yaml", "width: 4096\nheight: 2160\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try exitCode(["plan", file]) == 3)
    }

    @Test func invalidInputExitsTwo() throws {
        let s = try scratch()
        let malformed = try s.write("bad.yaml", "width: [\n")
        let unknownDevice = try s.write("nodev.yaml", "width: 64\nheight: 64\nparticipants: [{ device: nosuch, usage: write }]\n")
        let unknownUsage = try s.write("nouse.yaml", "width: 64\nheight: 64\nparticipants: [{ device: cam, usage: scanout }]\n")
        let badHeaps = try s.write("heaps.yaml", "heaps:\n  - { name: x, kind: cmaa }\n")
        let ok = try s.write("ok.yaml", "width: 640\nheight: 480\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try exitCode(["plan", malformed]) == 2)
        #expect(try exitCode(["plan", unknownDevice]) == 2)
        #expect(try exitCode(["plan", unknownUsage]) == 2)
        #expect(try exitCode(["plan", s.path + "/missing.yaml"]) == 2)
        #expect(try exitCode(["plan", ok, "--heaps", badHeaps]) == 2)
    }

    /// `--hints FILE`: used when good, exit 2 naming the file when missing or malformed.
    @Test func hintsFilesAreReadOrRefused() throws {
        let s = try scratch()
        let ok = try s.write("ok.yaml", "width: 640\nheight: 480\nparticipants: [{ device: cam, usage: write }]\n")
        let hints = try s.write("hints.yaml", "hints:\n  - { device: cam, heaps: [reserved] }\n")
        let bad = try s.write("bad-hints.yaml", "hints:\n  - { device: cam, heaps: [] }\n")
        #expect(try exitCode(["plan", ok, "--hints", hints]) == 0)
        #expect(try exitCode(["plan", ok, "--hints", bad]) == 2)
        #expect(try exitCode(["plan", ok, "--hints", s.path + "/missing.yaml"]) == 2)
    }

    @Test func heapCatalogFileIsUsed() throws {
        let s = try scratch()
        let heaps = try s.write("heaps.yaml", "heaps:\n  - { name: tiny, kind: cma, capacity: 4KiB }\n")
        let ok = try s.write("ok.yaml", "width: 640\nheight: 480\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try exitCode(["plan", ok, "--heaps", heaps]) == 3)
    }

    /// `heapwise formats` prints the kernel's table: a header and one row per format, NV12
    /// with its two planes, 1- and 2-byte cpp and 2×2 subsampling; `--json` the same rows.
    @Test func formatsListsTheTable() throws {
        #expect(try exitCode(["formats"]) == 0)
        #expect(try exitCode(["formats", "--json"]) == 0)
        let lines = FormatInfo.table(FormatInfo.drmFormats).split(separator: "\n")
        #expect(lines.count == FormatInfo.drmFormats.count + 1)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true).first == "name")
        let nv12 = try #require(lines.first { $0.hasPrefix("NV12 ") }).split(separator: " ", omittingEmptySubsequences: true)
        #expect(nv12 == ["NV12", "'NV12'", "0x3231564e", "2", "1,2", "1x1,1x1", "2", "2", "yes", "no"])
        guard case let .array(rows) = JSON.array(FormatInfo.drmFormats.map(\.json)) else { return }
        #expect(rows.count == FormatInfo.drmFormats.count)

        // What the command itself prints: the same table, and JSON a script can read.
        let text = try #require(try HeapwiseCommand.parseAsRoot(["formats"]) as? Formats).printed
        #expect(text == FormatInfo.table(FormatInfo.drmFormats))
        let json = try #require(try HeapwiseCommand.parseAsRoot(["formats", "--json"]) as? Formats).printed
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(decoded.count == FormatInfo.drmFormats.count)
        let nv12Row = try #require(decoded.first { $0["name"] as? String == "NV12" })
        #expect(nv12Row["fourcc"] as? String == "NV12" && nv12Row["code"] as? Int == 0x3231_564E)
        #expect(nv12Row["planes"] as? Int == 2 && nv12Row["cpp"] as? [Int] == [1, 2])
        #expect(nv12Row["hsub"] as? Int == 2 && nv12Row["vsub"] as? Int == 2 && nv12Row["yuv"] as? Bool == true)
    }

    /// Arguments that cannot work together are refused before `run()`, with a message naming
    /// the option and what it takes.
    @Test func validationNamesTheOption() {
        #expect(parseFailure(["plan", "p.yaml", "--allocate", "--heaps", "h.yaml"])
            == "--allocate allocates from this machine's heaps; it cannot be combined with --heaps")
        #expect(parseFailure(["bench", "resolve", "--iterations", "0"]) == "--iterations must be at least 1")
        #expect(parseFailure(["bench", "alloc", "--seconds", "0"]) == "--seconds must be more than 0 and at most 3600")
        #expect(parseFailure(["devices", "--profile", "vkms"]) == "--profile takes drm:DRIVER or v4l2:DRIVER, got 'vkms'")
        #expect(parseFailure(["devices", "--width", "0"]) == "--width and --height must be 1 to \(Pipeline.maxDimension)")
        #expect(parseFailure(["plan", "p.yaml"]) == nil)
    }

    /// `bench alloc` refuses sizes it cannot mean and allocators this machine lacks, naming
    /// what would work; memfd is on every Linux, so a tiny run passes everywhere.
    @Test func benchAllocChecksItsArguments() throws {
        for (size, reason) in [("0", "out of range"), ("4KB", "not a size"), ("2GiB", "out of range"), ("-4096", "Missing value for '--size <size>'")] {
            let message = parseFailure(["bench", "alloc", "--size", size])
            #expect(message?.contains(reason) == true, "--size \(size): \(message ?? "accepted")")
        }
        #expect(parseFailure(["bench", "alloc", "--pairs", "0"]) == "--pairs must be at least 1")
        #expect(try exitCode(["bench", "alloc", "--allocator", "no-such-heap"]) == 2)
        #expect(try exitCode(["bench", "alloc", "--allocator", "memfd", "--size", "4KiB", "--pairs", "5", "--json"]) == 0)
    }

    /// `--reuse` needs `--allocate` and a sane count; `bench pool` checks its arguments as
    /// `bench alloc` does (memfd is everywhere, so a tiny run passes on any Linux).
    @Test func reuseAndBenchPoolCheckTheirArguments() throws {
        #expect(parseFailure(["plan", "p.yaml", "--reuse", "3"]) == "--reuse reuses allocated buffers: add --allocate")
        #expect(parseFailure(["plan", "p.yaml", "--allocate", "--reuse", "0"]) == "--reuse takes 1 to 100000 rounds, got 0")
        #expect(parseFailure(["plan", "p.yaml", "--allocate", "--reuse", "2"]) == nil)
        #expect(parseFailure(["bench", "pool", "--pairs", "0"]) == "--pairs must be at least 1")
        #expect(parseFailure(["bench", "pool", "--size", "4KB"])?.contains("not a size") == true)
        #expect(try exitCode(["bench", "pool", "--allocator", "no-such-heap"]) == 2)
        #expect(try exitCode(["bench", "pool", "--allocator", "memfd", "--size", "4KiB", "--pairs", "5"]) == 0)
        let s = try scratch()
        let file = try s.write("ok.yaml", "width: 640\nheight: 480\ncount: 2\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try exitCode(["plan", file, "--allocate", "--reuse", "4"]) == 0)
    }
}

/// `heapwise simulate`: the same input rules and exit codes as `plan`.
@Suite struct SimulateCommandTests {
    let commands = CommandTests()

    @Test func simulateExitsZeroOnAPlanAndThreeWithoutOne() throws {
        let s = try commands.scratch()
        let ok = try s.write("ok.yaml", "width: 640\nheight: 480\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try commands.exitCode(["simulate", ok]) == 0, "no IOMMU device: says so, and succeeds")
        let none = try s.write("none.yaml", "width: 4096\nheight: 480\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try commands.exitCode(["simulate", none]) == 3)
        #expect(try commands.exitCode(["simulate", s.path + "/missing.yaml"]) == 2)
        let repo = JSONOutputTests.repository
        #expect(try commands.exitCode(["simulate", repo + "/Examples/video-playback.yaml", "--clients", "3", "--frames", "10"]) == 0)
    }

    @Test func clientsAndFramesOutOfRangeAreRefusedByName() {
        for (arguments, name) in [(["--clients", "0"], "--clients"), (["--clients", "1001"], "--clients"), (["--frames", "0"], "--frames"),
                                  (["--frames", "2000000"], "--frames")] {
            let message = commands.parseFailure(["simulate", "x.yaml"] + arguments)
            #expect(message?.contains(name) == true, "\(arguments): \(message ?? "accepted")")
        }
    }
}

/// `heapwise plan --as gst-caps`: the chosen plan as the caps a pipeline author pastes.
@Suite struct PlanAsGStreamerCapsTests {
    @Test func printsClassicThenDMADRMCaps() throws {
        let repo = JSONOutputTests.repository
        let result = try JSONOutputTests.run(["plan", repo + "/Examples/video-playback.yaml", "--as", "gst-caps"])
        #expect(result.status == 0)
        #expect(String(decoding: result.output, as: UTF8.self) == """
            video/x-raw,format=NV12,width=1920,height=1080
            video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=NV12,width=1920,height=1080

            """)
    }

    /// AFBC has no classic caps: one line, and a note on standard error saying why.
    @Test func aCompressedLayoutHasOnlyTheDMADRMForm() throws {
        let repo = JSONOutputTests.repository
        let arguments = ["plan", repo + "/Examples/gpu-composite-afbc.yaml", "--as", "gst-caps"]
        let output = try JSONOutputTests.run(arguments)
        #expect(output.status == 0)
        #expect(String(decoding: output.output, as: UTF8.self) == "video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=XR24:0x0800000000000051,width=1920,height=1080\n")
        let withErrors = String(decoding: try JSONOutputTests.run(arguments, withErrors: true).output, as: UTF8.self)
        #expect(withErrors.contains("classic caps cannot carry XRGB8888/ARM_AFBC"))
    }

    /// No plan: the explanation, exit 3; --as with --json or --allocate is refused by name.
    @Test func noPlanExplainsAndConflictsAreRefused() throws {
        let repo = JSONOutputTests.repository
        let result = try JSONOutputTests.run(["plan", repo + "/Examples/unsatisfiable.yaml", "--as", "gst-caps"])
        #expect(result.status == 3)
        #expect(String(decoding: result.output, as: UTF8.self).contains("max width 1920 < 3840"))
        let commands = CommandTests()
        #expect(commands.parseFailure(["plan", "x.yaml", "--as", "gst-caps", "--json"])?.contains("--as") == true)
        #expect(commands.parseFailure(["plan", "x.yaml", "--as", "gst-caps", "--allocate"])?.contains("--as") == true)
        #expect(commands.parseFailure(["plan", "x.yaml", "--as", "caps"]) != nil)
    }
}
