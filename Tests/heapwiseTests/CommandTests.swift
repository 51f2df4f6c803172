import ArgumentParser
import Foundation
import Testing
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

    @Test func heapCatalogFileIsUsed() throws {
        let s = try scratch()
        let heaps = try s.write("heaps.yaml", "heaps:\n  - { name: tiny, kind: cma, capacity: 4KiB }\n")
        let ok = try s.write("ok.yaml", "width: 640\nheight: 480\nparticipants: [{ device: cam, usage: write }]\n")
        #expect(try exitCode(["plan", ok, "--heaps", heaps]) == 3)
    }

    @Test func formatsListsTheTable() throws {
        #expect(try exitCode(["formats", "--json"]) == 0)
    }

    /// `bench alloc` refuses sizes it cannot mean and allocators this machine lacks, naming
    /// what would work; memfd is on every Linux, so a tiny run passes everywhere.
    @Test func benchAllocChecksItsArguments() throws {
        for size in ["0", "4KB", "2GiB", "-4096"] {
            #expect(throws: (any Error).self, "--size \(size)") {
                try HeapwiseCommand.parseAsRoot(["bench", "alloc", "--size", size])
            }
        }
        #expect(throws: (any Error).self) { try HeapwiseCommand.parseAsRoot(["bench", "alloc", "--pairs", "0"]) }
        #expect(try exitCode(["bench", "alloc", "--allocator", "no-such-heap"]) == 2)
        #expect(try exitCode(["bench", "alloc", "--allocator", "memfd", "--size", "4KiB", "--pairs", "5", "--json"]) == 0)
    }
}
