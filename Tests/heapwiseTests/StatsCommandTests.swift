import ArgumentParser
import Foundation
import HeapwiseCore
import HeapwiseLinux
import Testing
@testable import heapwise

/// `heapwise stats` as a user runs it, on a synthetic `/proc` (the built binary, so the text
/// is exactly what prints) and with arguments it must refuse.
@Suite(.serialized) struct StatsCommandTests {
    static func tree() throws -> SyntheticProc {
        try SyntheticProc.write(at: NSTemporaryDirectory() + "heapwise-stats-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))",
                                processes: 3, fdsPerProcess: 2, buffers: 4, mappingsPerProcess: 1)
    }

    func text(_ arguments: [String], withErrors: Bool = false) throws -> (Int32, String) {
        let (status, output) = try JSONOutputTests.run(arguments, withErrors: withErrors)
        return (status, String(decoding: output, as: UTF8.self))
    }

    @Test func theTablesEndInTotalsThatMatchTheTree() throws {
        let tree = try Self.tree()
        defer { tree.remove() }
        let (status, output) = try text(["stats", "--proc", tree.root])
        #expect(status == 0)
        #expect(output.hasPrefix("4 dma-bufs, \(ByteCount.format(tree.expectedBytes)), held by 3 processes\n"), "\(output)")
        let lines = output.split(separator: "\n")
        let processTotal = lines.first { $0.hasPrefix("total") }
        #expect(processTotal?.hasSuffix(ByteCount.format(tree.expectedBytes)) == true, "\(processTotal ?? "")")
        #expect(output.contains("By heap or exporter"))
        for view in ["heap", "buffer", "name", "process"] {
            let (viewStatus, viewOutput) = try text(["stats", "--proc", tree.root, "--by", view])
            #expect(viewStatus == 0)
            #expect(viewOutput.split(separator: "\n").contains { $0.hasPrefix("total") }, "--by \(view)")
        }
        let (_, byBuffer) = try text(["stats", "--proc", tree.root, "--by", "buffer"])
        #expect(byBuffer.contains("1000:fd 3, 1000:mapped"), "\(byBuffer)")
    }

    @Test func oneProcessShowsOnlyWhatItHolds() throws {
        let tree = try Self.tree()
        defer { tree.remove() }
        let (status, output) = try text(["stats", "--proc", tree.root, "--pid", "1001", "--by", "process"])
        #expect(status == 0)
        #expect(output.contains("(those process 1001 holds)"))
        let rows = output.split(separator: "\n").filter { $0.contains("synthetic-") }
        #expect(rows.count == 1 && rows.allSatisfy { $0.contains("1001") }, "\(rows)")
        #expect(try text(["stats", "--proc", tree.root, "--pid", "4242"]).0 == 2, "a process that does not exist")
    }

    @Test func watchPrintsChangesAsJSONLines() throws {
        let tree = try Self.tree()
        defer { tree.remove() }
        let (status, output) = try JSONOutputTests.run(["stats", "--proc", tree.root, "--watch", "0.05", "--count", "3", "--json"])
        #expect(status == 0)
        let lines = output.split(separator: 0x0A)
        #expect(lines.count == 3)
        let shapes = try JSONOutputTests.shapes()
        for (index, line) in lines.enumerated() {
            let problems = shapes.problems(try StrictJSON.parse(bytes: Array(line)), shape: index == 0 ? "stats" : "stats-changes")
            #expect(problems.isEmpty, "line \(index + 1): \(problems.prefix(5))")
        }
        let (textStatus, text) = try self.text(["stats", "--proc", tree.root, "--watch", "0.05", "--count", "2"])
        #expect(textStatus == 0)
        #expect(text.contains("A leak hint names a holder"))
    }

    @Test func argumentsItCannotUseAreRefusedByName() throws {
        func failure(_ arguments: [String]) -> String? {
            do { _ = try HeapwiseCommand.parseAsRoot(arguments); return nil } catch { return HeapwiseCommand.message(for: error) }
        }
        #expect(failure(["stats", "--watch", "0"]) == "--watch must be at least 0.001 and at most 86400 seconds")
        #expect(failure(["stats", "--watch", "0.0004"]) == "--watch must be at least 0.001 and at most 86400 seconds", "would round to 0 ms: a busy loop")
        #expect(failure(["stats", "--count", "3"]) == "--count needs --watch")
        #expect(failure(["stats", "--watch", "1", "--count", "0"]) == "--count must be at least 1")
        #expect(failure(["stats", "--pid", "0"]) == "--pid must be a process id, more than 0")
        #expect(failure(["stats", "--by", "colour"])?.contains("colour") == true)
        #expect(failure(["bench", "stats", "--processes", "2"]) == "--processes must be from 4 to 100000")
        #expect(try text(["stats", "--proc", "/nonexistent/proc"]).0 == 2)
    }

    /// `/proc/TID` of a thread exists but is not listed; its report would say "holds nothing".
    @Test func aPidThatIsAThreadOrMissingIsRefusedWithTheRemedy() throws {
        let tree = try Self.tree()
        defer { tree.remove() }
        try FileManager.default.createDirectory(atPath: tree.root + "/1009", withIntermediateDirectories: false)
        try "Name:\tworker\nTgid:\t1001\nPid:\t1009\nUid:\t0\t0\t0\t0\n".write(toFile: tree.root + "/1009/status", atomically: false, encoding: .utf8)
        defer { _ = try? FileManager.default.removeItem(atPath: tree.root + "/1009") }
        for watch in [[], ["--watch", "0.01", "--count", "2"]] {
            let (threadStatus, threadOutput) = try text(["stats", "--proc", tree.root, "--pid", "1009"] + watch, withErrors: true)
            #expect(threadStatus == 2)
            #expect(threadOutput.contains("1009 is a thread of process 1001; dma-bufs are held by processes: use --pid 1001"), "\(threadOutput)")
            let (missingStatus, missingOutput) = try text(["stats", "--proc", tree.root, "--pid", "4242"] + watch, withErrors: true)
            #expect(missingStatus == 2)
            #expect(missingOutput.contains("no process 4242 in \(tree.root)"), "\(missingOutput)")
        }
    }
}
