import HeapwiseCore
import Testing

/// The accounting model: one buffer per inode, exact shares, changes and leak hints.
@Suite struct AccountingTests {
    typealias Snapshot = DMABufSnapshot

    static func snapshot(_ buffers: [(UInt64, Int)], _ holdings: [(Int32, UInt64, Int32?)]) -> Snapshot {
        var snapshot = Snapshot()
        for (inode, size) in buffers {
            snapshot.buffers[inode] = .init(inode: inode, size: size, exporter: inode % 2 == 0 ? "system" : "reserved",
                                            name: inode % 3 == 0 ? "frame" : nil, fileReferences: nil)
        }
        for (pid, inode, fd) in holdings {
            snapshot.processes[pid] = .init(pid: pid, command: "p\(pid)", uid: 1000)
            let via: Snapshot.Holding.Via = fd.map { .descriptor($0) } ?? .mapping(start: UInt64(inode) << 20, end: (UInt64(inode) << 20) + 4096, offset: 0)
            snapshot.holdings.append(.init(pid: pid, inode: inode, via: via))
        }
        return snapshot
    }

    @Test func oneBufferIsOneInodeHoweverManyFdsAndMappingsNameIt() {
        let account = DMABufAccount(Self.snapshot([(7, 8192)], [(10, 7, 3), (10, 7, 4), (10, 7, nil), (11, 7, 5)]))
        #expect(account.total.buffers == 1)
        #expect(account.total.bytes == 8192)
        #expect(account.buffers.first?.holders == [10, 11])
        #expect(account.process(10)?.buffers == 1)
        #expect(account.process(10)?.proportional == 4096)
        #expect(account.process(10)?.shared == 8192)
        #expect(account.process(10)?.owned == 0)
    }

    @Test func theRemainderOfAShareGoesToTheLowestPidsSoSharesSumToTheSize() {
        let account = DMABufAccount(Self.snapshot([(1, 4097)], [(30, 1, 3), (20, 1, 3), (10, 1, 3)]))
        #expect(account.process(10)?.proportional == 1366)
        #expect(account.process(20)?.proportional == 1366)
        #expect(account.process(30)?.proportional == 1365)
    }

    /// Over random snapshots: proportional shares sum to the bytes held exactly, owned bytes
    /// are the unshared buffers, and every process's owned + shared is what it holds.
    @Test func sharesSumToTheTotalToTheByte() {
        var random = SplitMix64(seed: 12)
        for _ in 0..<200 {
            let bufferCount = 1 + Int(random.next() % 40)
            let buffers = (0..<bufferCount).map { (UInt64($0 + 1), 1 + Int(random.next() % 100_000)) }
            var holdings: [(Int32, UInt64, Int32?)] = []
            for (inode, _) in buffers {
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    holdings.append((Int32(100 + random.next() % 9), inode, random.next() % 3 == 0 ? nil : Int32(random.next() % 50)))
                }
            }
            let account = DMABufAccount(Self.snapshot(buffers, holdings))
            #expect(account.processes.reduce(0) { $0 + $1.proportional } == buffers.reduce(0) { $0 + $1.1 })
            let unshared = account.buffers.filter { $0.holders.count == 1 }.reduce(0) { $0 + $1.buffer.size }
            #expect(account.processes.reduce(0) { $0 + $1.owned } == unshared)
            for row in account.processes {
                let held = account.buffers.filter { $0.holders.contains(row.process.pid) }.reduce(0) { $0 + $1.buffer.size }
                #expect(row.held == held)
            }
            #expect(account.exporters.reduce(0) { $0 + $1.bytes } == account.total.bytes)
            #expect(account.names.reduce(0) { $0 + $1.bytes } == account.total.bytes)
        }
    }

    @Test func referencesNoFdOrMappingExplainsAreCounted() {
        var snapshot = Self.snapshot([(4, 4096)], [(10, 4, 3), (10, 4, nil)])
        snapshot.buffers[4]?.fileReferences = 3
        let account = DMABufAccount(snapshot)
        #expect(account.buffers.first?.otherReferences == 1)
        let report = DMABufStatsReport(account, readerUID: 0)
        #expect(report.text(by: .buffer).contains("10:fd 3, 10:mapped, +1 other reference"))
        #expect(report.notes.contains { $0.contains("importing driver") })
    }

    @Test func kernelListingsNameBuffersNoProcessHolds() {
        var snapshot = Self.snapshot([(4, 4096)], [(10, 4, 3)])
        snapshot.kernel.bufinfo = .present(path: "/sys/kernel/debug/dma_buf/bufinfo", buffers: [4: 4096, 9: 1 << 20])
        let account = DMABufAccount(snapshot)
        #expect(account.unheld?.buffers == 1)
        #expect(account.unheld?.bytes == 1 << 20)
        #expect(DMABufStatsReport(account, readerUID: 0).notes.contains { $0.contains("1 of them (1 MiB) held by no process read") })
    }

    @Test func theProcessTableEndsInTotalsThatAreTheSumOfItsRows() {
        let account = DMABufAccount(Self.snapshot([(1, 1 << 20), (2, 2 << 20), (3, 4096)], [(10, 1, 3), (11, 1, 3), (10, 2, 4), (12, 3, nil)]))
        let text = DMABufStatsReport(account, readerUID: 0).text(by: .process)
        let total = text.split(separator: "\n").first { $0.hasPrefix("total") }
        // owned: 2 MiB + 4 KiB; shared buffers once: 1 MiB; proportional: everything.
        #expect(total?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            == ["total", "3", "2", "MiB", "1", "MiB", "3", "MiB"])
        #expect(text.hasPrefix("3 dma-bufs, 3 MiB, held by 3 processes"))
    }

    @Test func onlyTheChosenProcessesBuffersAreShownButSharesCountEveryHolder() {
        let account = DMABufAccount(Self.snapshot([(1, 1 << 20), (2, 2 << 20)], [(10, 1, 3), (11, 1, 3), (11, 2, 4)]))
        let report = DMABufStatsReport(account, pid: 10, readerUID: 0)
        #expect(report.buffers.map(\.buffer.inode) == [1])
        #expect(report.processes.map(\.proportional) == [1 << 19])
        #expect(report.total.bytes == 1 << 20)
    }

    @Test func gapsAreNamedNeverSilent() {
        var snapshot = Self.snapshot([(1, 4096)], [(10, 1, 3)])
        snapshot.gaps = [.init(.notPermitted, pid: 1, detail: "root"), .init(.exited, pid: 50), .init(.closedDuringRead, pid: 10, path: "/proc/10/fdinfo/9"),
                         .init(.unexpectedText, pid: 12, path: "/proc/12/fdinfo/4", detail: "size: 'lots'")]
        let notes = DMABufStatsReport(DMABufAccount(snapshot), readerUID: 1000).notes
        #expect(notes.contains { $0.hasPrefix("not read: 1 process of other users (root)") && $0.contains("run as root") })
        #expect(notes.contains("skipped: 1 process exited while being read."))
        #expect(notes.contains("skipped: 1 fd closed while being read."))
        #expect(notes.contains { $0.contains("/proc/12/fdinfo/4: unexpected text (size: 'lots')") })
    }

    @Test func changesNameNewFreedAndGrownHolders() {
        let before = DMABufAccount(Self.snapshot([(1, 4096), (2, 8192)], [(10, 1, 3), (11, 2, 3)]))
        let after = DMABufAccount(Self.snapshot([(1, 4096), (3, 1 << 20)], [(10, 1, 3), (10, 3, 4)]))
        let changes = DMABufChanges(from: before, to: after)
        #expect(changes.new.map(\.buffer.inode) == [3])
        #expect(changes.freed.map(\.buffer.inode) == [2])
        #expect(changes.changed.map { [$0.process.pid, Int32($0.before), Int32($0.after)] } == [[10, 4096, 4096 + (1 << 20)], [11, 8192, 0]])
        let text = changes.text(label: "after 2 s")
        #expect(text.contains("grown  10 p10: 4 KiB → 1 MiB (+1 MiB)"))
        #expect(text.contains("shrunk 11 p11: 8 KiB → 0 bytes (−8 KiB)"))
        #expect(DMABufChanges(from: after, to: after).isEmpty)
    }

    @Test func aLeakHintNeedsTwoGrowthsAndNoShrinking() {
        func account(_ sizes: [Int]) -> DMABufAccount {
            DMABufAccount(Self.snapshot(sizes.enumerated().map { (UInt64($0.offset + 1), $0.element) },
                                        sizes.indices.map { (10, UInt64($0 + 1), Int32($0 + 3)) }))
        }
        var watch = LeakWatch()
        watch.record(account([4096]))
        watch.record(account([4096, 4096]))
        #expect(watch.hints.isEmpty)  // one growth is not a trend
        watch.record(account([4096, 4096, 4096]))
        #expect(watch.hints.map(\.key) == [.process(pid: 10, command: "p10")])
        #expect(watch.hints.first?.text == "leak hint: process 10 p10 only grew: 4 KiB → 12 KiB over 3 snapshots (grew in 2 of 2 intervals)")
        watch.record(account([4096, 4096]))
        #expect(watch.hints.isEmpty)  // it shrank: not "only grows"
        // Buffers named "frame" (inodes 3, 6, 9) that only accumulate, held by changing processes.
        var named = LeakWatch()
        for count in 1...3 {
            let inodes = (1...count).map { UInt64($0 * 3) }
            named.record(DMABufAccount(Self.snapshot(inodes.map { ($0, 4096) }, inodes.map { (Int32(20 + $0), $0, 3) })))
        }
        #expect(named.hints.map(\.key) == [.name("frame")])
    }

    @Test func aHolderThatGoesAwayIsForgotten() {
        var watch = LeakWatch()
        let one = DMABufAccount(Self.snapshot([(1, 4096)], [(10, 1, 3)]))
        let two = DMABufAccount(Self.snapshot([(1, 4096), (2, 4096)], [(10, 1, 3), (10, 2, 4)]))
        watch.record(one)
        watch.record(two)
        watch.record(DMABufAccount(Snapshot()))
        watch.record(one)
        watch.record(two)
        #expect(watch.hints.isEmpty)
    }
}
