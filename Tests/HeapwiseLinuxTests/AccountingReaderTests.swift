import Foundation
import HeapwiseCore
@testable import HeapwiseLinux
import SystemPackage
import Testing

/// The `/proc` reader against `/proc`-shaped trees: exact on a well-formed one, and on a
/// hostile one (processes that vanish, fds closed mid-read, text the kernel never writes)
/// every problem is skipped with a gap and the totals stay right.
@Suite(.serialized) struct AccountingReaderTests {
    static func scratchDirectory() -> String {
        let path = NSTemporaryDirectory() + "heapwise-accounting-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        return path
    }

    @Test func aSyntheticTreeIsReadExactlyWithAnyNumberOfThreads() throws {
        let tree = try SyntheticProc.write(at: Self.scratchDirectory(), processes: 300, fdsPerProcess: 7, buffers: 500, otherFDs: 3)
        defer { tree.remove() }
        let serial = DMABufAccounting(procRoot: tree.root, sysRoot: nil, passwd: nil, threads: 1).snapshot()
        let account = DMABufAccount(serial)
        #expect(account.total.buffers == 500)
        #expect(account.total.bytes == tree.expectedBytes)
        #expect(serial.holdings.count == tree.expectedHoldings)
        #expect(serial.gaps.isEmpty, "\(serial.gaps.prefix(3))")
        #expect(serial.processesListed == 300)
        #expect(serial.descriptorsRead == 300 * 10)
        #expect(account.processes.reduce(0) { $0 + $1.proportional } == tree.expectedBytes)
        #expect(Set(serial.buffers.keys) == Set(tree.inodes))
        for threads in [2, 3, 7] {
            let parallel = DMABufAccounting(procRoot: tree.root, sysRoot: nil, passwd: nil, threads: threads).snapshot()
            #expect(parallel == serial, "\(threads) threads")
        }
    }

    @Test func aHostileTreeIsSkippedWithGapsAndTheTotalsStayRight() throws {
        let tree = try SyntheticProc.write(at: Self.scratchDirectory(), processes: 4, fdsPerProcess: 3, buffers: 12, mappingsPerProcess: 0)
        defer { tree.remove() }
        var cleanup: [String] = []
        defer { for path in cleanup.reversed() { _ = Syscalls.unlink(path); _ = Syscalls.removeDirectory(path) } }
        func file(_ path: String, _ text: String) throws {
            try SyntheticProc.file(path, text)
            cleanup.append(path)
        }
        func directory(_ path: String) throws {
            try SyntheticProc.make(path)
            cleanup.append(path)
        }
        let root = tree.root
        // A process listed but gone before its files are read.
        try directory(root + "/4242")
        // Entries that are not processes.
        try directory(root + "/self")
        try file(root + "/uptime", "1.0 2.0\n")
        // An fd closed between the listing and its statx: a link to nothing.
        _ = Syscalls.symlink(root + "/gone", root + "/1000/fd/90")
        cleanup.append(root + "/1000/fd/90")
        // A new buffer whose fdinfo is not the kernel's text: skipped, not counted.
        try file(root + "/buffers/odd", "")
        _ = Syscalls.link(root + "/buffers/odd", root + "/1001/fd/91")
        cleanup.append(root + "/1001/fd/91")
        try file(root + "/1001/fdinfo/91", "pos:\t0\nflags:\t02\nexp_name:\tsystem\nsize:\tlots\n")
        // An fd whose fdinfo names another inode: closed and reused between statx and the read.
        try file(root + "/buffers/reused", "")
        _ = Syscalls.link(root + "/buffers/reused", root + "/1002/fd/92")
        cleanup.append(root + "/1002/fd/92")
        try file(root + "/1002/fdinfo/92", "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1\nsize:\t4096\ncount:\t1\nexp_name:\tsystem\n")
        // A maps line that says /dmabuf: in a shape the kernel never writes; and a status
        // without the lines the kernel always writes (its buffers still count).
        try SyntheticProc.file(root + "/1003/maps", "7f00-zz rw-s 0 00:0d 5 /dmabuf:\n")
        try SyntheticProc.file(root + "/1002/status", "garbage\n")
        // A file on another anonymous device (a tmpfs) whose path is /dmabuf:fake, mapped by a
        // process holding nothing else: not a buffer, so neither it nor the process counts.
        try directory(root + "/1004")
        try directory(root + "/1004/fd")
        try file(root + "/1004/maps", "7f0000000000-7f0000001000 rw-s 00000000 00:7e 31337 /dmabuf:fake\n")
        // On the buffers' device a file that is not a dma-buf can only be an fd reused between
        // statx and fdinfo (every file of the dmabuf file system is a buffer): a gap, and the
        // device stays known as the dma-buf one.
        try file(root + "/buffers/plain", "")
        _ = Syscalls.link(root + "/buffers/plain", root + "/1003/fd/93")
        cleanup.append(root + "/1003/fd/93")
        let plainInode = try Syscalls.inode(root + "/buffers/plain").get()
        try file(root + "/1003/fdinfo/93", "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t\(plainInode)\n")
        // /dev/null's fdinfo naming another inode: reused too, so /dev/null's device is not
        // classified from it.
        _ = Syscalls.symlink("/dev/null", root + "/1000/fd/94")
        cleanup.append(root + "/1000/fd/94")
        try file(root + "/1000/fdinfo/94", "pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1\n")

        let snapshot = DMABufAccounting(procRoot: root, sysRoot: nil, passwd: nil).snapshot()
        let account = DMABufAccount(snapshot)
        #expect(account.total.buffers == 12)
        #expect(account.total.bytes == tree.expectedBytes)
        #expect(account.processes.reduce(0) { $0 + $1.proportional } == tree.expectedBytes)
        let gaps = Set(snapshot.gaps.map { "\($0.reason.rawValue) \($0.pid.map(String.init) ?? "-") \($0.path.map { $0.replacingOccurrences(of: root, with: "") } ?? "-")" })
        #expect(gaps == [
            "exited 4242 /4242/fd",
            "closed_during_read 1000 /1000/fd/90",
            "unexpected_text 1001 /1001/fdinfo/91",
            "closed_during_read 1002 /1002/fdinfo/92",
            "unexpected_text 1002 /1002/status",
            "unexpected_text 1003 /1003/maps",
            "closed_during_read 1003 /1003/fdinfo/93",
            "closed_during_read 1000 /1000/fdinfo/94",
        ])
        #expect(account.process(1002)?.process.command == "?")
        #expect(account.process(1002)?.process.uid == nil, "a status that could not be read names no uid, not root's")
        #expect(account.process(1004) == nil, "a tmpfs file called /dmabuf:fake is not a buffer")
        #expect(snapshot.processes[1004] == nil)
        let notes = DMABufStatsReport(account, readerUID: 0).notes
        #expect(notes.contains("skipped: 1 process exited while being read."))
        #expect(notes.contains("skipped: 4 fds closed while being read."))
    }

    @Test func aProcThatCannotBeListedIsAGapNotAnEmptyTable() {
        let snapshot = DMABufAccounting(procRoot: "/nonexistent-proc", sysRoot: nil, passwd: nil).snapshot()
        #expect(snapshot.buffers.isEmpty)
        #expect(snapshot.gaps.map(\.reason) == [.readFailed])
        let notes = DMABufStatsReport(DMABufAccount(snapshot), readerUID: 0).notes
        #expect(notes.contains { $0.hasPrefix("skipped: /nonexistent-proc: cannot list the processes") && $0.contains("\(Errno.noSuchFileOrDirectory)") }, "\(notes)")
    }

    @Test func errnosBecomeTheGapsTheyMean() {
        #expect(DMABufAccounting.gap(.noSuchProcess, pid: 7, path: "/proc/7/fd/3", gone: .closedDuringRead).reason == .closedDuringRead)
        #expect(DMABufAccounting.gap(.permissionDenied, pid: 7, path: "/proc/7/fd/3", gone: .closedDuringRead).reason == .notPermitted)
        let exhausted = DMABufAccounting.gap(.tooManyOpenFiles, pid: 7, path: "/proc/7/fd", gone: .exited)
        #expect(exhausted.reason == .readFailed)
        #expect(exhausted.detail == "\(Errno.tooManyOpenFiles)")
    }

    @Test func aPidIsAProcessAThreadOfOneOrNothing() throws {
        let tree = try SyntheticProc.write(at: Self.scratchDirectory(), processes: 1, fdsPerProcess: 1, buffers: 1, mappingsPerProcess: 0)
        defer { tree.remove() }
        try SyntheticProc.make(tree.root + "/1005")
        try SyntheticProc.file(tree.root + "/1005/status", "Name:\tworker\nTgid:\t1000\nPid:\t1005\nUid:\t0\t0\t0\t0\n")
        defer { _ = Syscalls.unlink(tree.root + "/1005/status"); _ = Syscalls.removeDirectory(tree.root + "/1005") }
        let reader = DMABufAccounting(procRoot: tree.root, sysRoot: nil, passwd: nil)
        #expect(reader.target(1000) == .process)
        #expect(reader.target(1005) == .thread(of: 1000))
        #expect(reader.target(1006) == .none)
    }

    @Test func kernelsWithoutInoInFdinfoAreIdentifiedByStatx() throws {
        let tree = try SyntheticProc.write(at: Self.scratchDirectory(), processes: 2, fdsPerProcess: 2, buffers: 3, mappingsPerProcess: 0)
        defer { tree.remove() }
        for pid in [1000, 1001] {
            for fd in [3, 4] {
                let path = "\(tree.root)/\(pid)/fdinfo/\(fd)"
                let text = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("ino:") }
                try SyntheticProc.file(path, text.joined(separator: "\n") + "\n")
            }
        }
        let account = DMABufAccount(DMABufAccounting(procRoot: tree.root, sysRoot: nil, passwd: nil).snapshot())
        #expect(account.total.bytes == tree.expectedBytes)
        #expect(Set(account.buffers.map(\.buffer.inode)) == Set(tree.inodes))
    }

    @Test func aBufferOnlyMappedIsCountedAtLeastAtItsMappedExtent() throws {
        let tree = try SyntheticProc.write(at: Self.scratchDirectory(), processes: 1, fdsPerProcess: 1, buffers: 1, mappingsPerProcess: 0)
        defer { tree.remove() }
        try SyntheticProc.file(tree.root + "/1000/maps", "7f0000000000-7f0000003000 rw-s 00001000 \(tree.mapsDevice) 777777 /dmabuf:cam0\n")
        let account = DMABufAccount(DMABufAccounting(procRoot: tree.root, sysRoot: nil, passwd: nil).snapshot())
        let mapped = account.buffers.first { $0.buffer.inode == 777_777 }
        #expect(mapped?.buffer.size == 0x4000)
        #expect(mapped?.buffer.sizeSource == .mappings)
        #expect(mapped?.buffer.name == "cam0")
        #expect(mapped?.holders == [1000])
    }

    @Test func watchingSeesNewBuffersAndHintsAtAHolderThatOnlyGrows() throws {
        let tree = try SyntheticProc.write(at: Self.scratchDirectory(), processes: 2, fdsPerProcess: 2, buffers: 4, mappingsPerProcess: 0)
        defer { tree.remove() }
        var added: [String] = []
        defer { for path in added { _ = Syscalls.unlink(path) } }
        var changes: [DMABufChanges] = []
        var leaks = LeakWatch()
        var previous: DMABufAccount?
        DMABufAccounting(procRoot: tree.root, sysRoot: nil, passwd: nil).watch(every: .milliseconds(10), count: 4) { account, _ in
            leaks.record(account)
            if let previous { changes.append(DMABufChanges(from: previous, to: account)) }
            previous = account
            // Process 1001 takes one more 1 MiB buffer between snapshots.
            let index = added.count / 3
            let buffer = "\(tree.root)/buffers/grow\(index)"
            try? SyntheticProc.file(buffer, "")
            let fd = 50 + index
            _ = Syscalls.link(buffer, "\(tree.root)/1001/fd/\(fd)")
            let inode = (try? Syscalls.inode(buffer).get()) ?? 0
            try? SyntheticProc.file("\(tree.root)/1001/fdinfo/\(fd)", "ino:\t\(inode)\nsize:\t1048576\ncount:\t1\nexp_name:\tsystem\nname:\tleaky\n")
            added += ["\(tree.root)/1001/fd/\(fd)", "\(tree.root)/1001/fdinfo/\(fd)", buffer]
            return true
        }
        #expect(changes.count == 3)
        #expect(changes.allSatisfy { $0.new.count == 1 && $0.freed.isEmpty && $0.changed.map(\.process.pid) == [1001] })
        #expect(Set(leaks.hints.map(\.key)) == [.process(pid: 1001, command: "synthetic-1"), .name("leaky")])
    }
}
