import Foundation
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The pool's promises, checked on any allocator (memfd here; the kernel lab runs the same
/// checks on the system and CMA heaps and udmabuf, `KernelPoolTests`).
enum PoolChecks {
    static let a = PoolOwner(1), b = PoolOwner(2)

    static func fill(_ buffer: PooledBuffer, with byte: UInt8) throws {
        _ = try buffer.withCPUAccess(.write) { bytes in bytes.initializeMemory(as: UInt8.self, repeating: byte) }
    }

    static func allBytes(_ buffer: PooledBuffer, are byte: UInt8) throws -> Bool {
        try buffer.withCPUAccess(.read) { bytes in bytes.allSatisfy { $0 == byte } }
    }

    /// A writes and releases; B gets the same buffer, zeroed; A's kept contents come back to A
    /// alone.
    static func ownersNeverSeeEachOthersBytes(_ allocator: BufferAllocator, size: Int = 64 << 10) throws {
        let pool = BufferPool()
        let first = try pool.acquire(from: allocator, byteCount: size, owner: a)
        #expect(!first.reused)
        let inode = first.inode
        try fill(first, with: 0xA5)
        first.release()
        let second = try pool.acquire(from: allocator, byteCount: size, owner: b)
        #expect(second.reused && second.inode == inode, "the same buffer, reused")
        #expect(try allBytes(second, are: 0), "owner B reads only zeros")
        try fill(second, with: 0x5B)
        second.release(keepContents: true)
        let third = try pool.acquire(from: allocator, byteCount: size, owner: b)
        #expect(third.inode == inode)
        #expect(try allBytes(third, are: 0x5B), "B kept its contents and gets them back")
        third.release(keepContents: true)
        let fourth = try pool.acquire(from: allocator, byteCount: size, owner: a)
        #expect(fourth.inode == inode)
        #expect(try allBytes(fourth, are: 0), "what B kept, A gets zeroed")
        try fill(fourth, with: 0x11)
        fourth.release()
        let fifth = try pool.acquire(from: allocator, byteCount: size, owner: a)
        #expect(try allBytes(fifth, are: 0), "without keepContents, even the same owner gets zeros")
        fifth.release()
        let stats = pool.statistics()
        let row = try #require(stats.rows.first)
        #expect(stats.rows.count == 1 && row.hits == 4 && row.misses == 1)
        #expect(row.bytesZeroed == 3 * row.size, "zeroed for B, for A after B kept, for A without keep")
        #expect(stats.idleBuffers == 1 && stats.inUseBuffers == 0)
    }

    /// A seeded random workload of acquire, release (keeping or not) and trim across owners and
    /// sizes: idle never exceeds the caps, no buffer is lent twice at once, a buffer that
    /// changed owner is all zeros, and kept contents come back intact.
    /// `atEnd` sees the pool's statistics with every lease released and the pool still alive, to
    /// compare with what the process holds.
    static func randomWorkloadKeepsEveryRule(
        _ allocator: BufferAllocator, operations: Int, seed: UInt64, atEnd: (PoolStatistics) -> Void = { _ in }
    ) throws -> (hits: Int, misses: Int, trims: Int) {
        let perList = BufferPool.Limits(idleBuffers: 3, idleBytes: 96 << 10)
        let overall = BufferPool.Limits(idleBuffers: 6, idleBytes: 160 << 10)
        let pool = BufferPool(perList: perList, overall: overall, maxIdleAge: nil)
        var random = SplitMix64(seed: seed)
        let sizes = [4 << 10, 16 << 10, 32 << 10]
        let owners = (1...4).map { PoolOwner(UInt64($0)) }
        var held: [(buffer: PooledBuffer, byte: UInt8)] = []
        /// What each owner kept, by inode.
        var kept: [UInt64: (owner: PoolOwner, byte: UInt8)] = [:]
        var trims = 0
        for step in 0..<operations {
            // 1 in 16 a trim; otherwise a release or an acquire, about evenly, so a few buffers
            // are held at a time and most acquires can be served by an idle one.
            let draw = random.next() % 16
            if draw == 15 {
                pool.trim()
                trims += 1
            } else if draw >= 8, !held.isEmpty {
                let (buffer, byte) = held.remove(at: Int(random.next() % UInt64(held.count)))
                let keep = random.next() % 2 == 0
                if keep { kept[buffer.inode] = (buffer.owner, byte) } else { kept[buffer.inode] = nil }
                buffer.release(keepContents: keep)
            } else {
                let owner = owners[Int(random.next() % 4)]
                let buffer = try pool.acquire(from: allocator, byteCount: sizes[Int(random.next() % 3)], owner: owner)
                #expect(!held.contains { $0.buffer.inode == buffer.inode }, "step \(step): a buffer lent twice")
                if let keeper = kept.removeValue(forKey: buffer.inode), keeper.owner == owner {
                    #expect(try allBytes(buffer, are: keeper.byte), "step \(step): kept contents did not come back intact")
                } else {
                    #expect(try allBytes(buffer, are: 0), "step \(step): another owner's bytes")
                }
                let byte = UInt8(truncatingIfNeeded: step % 250 + 1)
                try fill(buffer, with: byte)
                held.append((buffer, byte))
            }
            let stats = pool.statistics()
            #expect(stats.idleBuffers <= overall.idleBuffers && stats.idleBytes <= overall.idleBytes, "step \(step): over the caps")
            for row in stats.rows {
                #expect(row.idleBuffers <= perList.idleBuffers && row.idleBytes <= perList.idleBytes, "step \(step): \(row.heap) over its list's caps")
            }
            #expect(stats.inUseBuffers == held.count)
        }
        for (buffer, _) in held { buffer.release() }
        atEnd(pool.statistics())
        let rows = pool.statistics().rows
        return (rows.reduce(0) { $0 + $1.hits }, rows.reduce(0) { $0 + $1.misses }, trims)
    }
}

@Suite(.serialized) struct BufferPoolTests {
    @Test func ownersNeverSeeEachOthersBytes() throws {
        try PoolChecks.ownersNeverSeeEachOthersBytes(Memfd())
    }

    @Test func randomWorkloadKeepsEveryRuleAndLeaksNothing() throws {
        let before = KernelLab.openDescriptorCount()
        let mappingsBefore = Self.memfdMappings()
        let counts = try PoolChecks.randomWorkloadKeepsEveryRule(Memfd(), operations: 3000, seed: 42) { stats in
            #expect(KernelLab.openDescriptorCount() - before == stats.idleBuffers, "the process holds exactly the pool's idle buffers")
            #expect(Self.memfdMappings() - mappingsBefore == stats.idleBuffers, "one kept mapping per idle buffer, no more")
        }
        #expect(counts.hits > 500 && counts.misses > 50, "\(counts)"); print("pool: memfd:", counts)
        #expect(KernelLab.openDescriptorCount() == before, "every pooled descriptor closed with the pool")
        #expect(Self.memfdMappings() == mappingsBefore, "every kept mapping unmapped with the pool")
    }

    @Test func limitsFreeTheLongestIdleFirst() throws {
        let pool = BufferPool(perList: .init(idleBuffers: 2, idleBytes: 1 << 30), overall: .init(idleBuffers: 3, idleBytes: 1 << 30), maxIdleAge: nil)
        let memfd = Memfd()
        let small = try (0..<4).map { _ in try pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a) }
        let inodes = small.map(\.inode)
        for buffer in small { buffer.release() }
        var stats = pool.statistics()
        #expect(stats.idleBuffers == 2 && stats.rows[0].trimmedBuffers == 2, "the list keeps 2")
        let reused = try pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a)
        #expect(inodes.suffix(2).contains(reused.inode), "the two released last are the ones kept")
        reused.release()
        let large = try (0..<2).map { _ in try pool.acquire(from: memfd, byteCount: 8192, owner: PoolChecks.a) }
        for buffer in large { buffer.release() }
        stats = pool.statistics()
        #expect(stats.idleBuffers == 3, "overall cap 3 across both sizes")
        #expect(stats.idleBytes == stats.rows.reduce(0) { $0 + $1.idleBytes })
        let bytesCapped = BufferPool(perList: .init(idleBuffers: 10, idleBytes: 8192), overall: .init(idleBuffers: 10, idleBytes: 1 << 30))
        let three = try (0..<3).map { _ in try bytesCapped.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a) }
        for buffer in three { buffer.release() }
        #expect(bytesCapped.statistics().idleBytes == 8192, "the list's byte cap holds")
    }

    @Test func trimmingNeverTouchesABufferInUse() throws {
        let pool = BufferPool()
        let memfd = Memfd()
        let busy = try pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a)
        try PoolChecks.fill(busy, with: 7)
        try pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.b).release()
        #expect(pool.trim() == (buffers: 1, bytes: 4096))
        #expect(try PoolChecks.allBytes(busy, are: 7), "the buffer in use is intact")
        #expect(pool.statistics().inUseBuffers == 1)
        busy.release()
        #expect(pool.trim(heap: "system") == (buffers: 0, bytes: 0), "another heap's trim frees nothing here")
        #expect(pool.trim(heap: "memfd") == (buffers: 1, bytes: 4096))
    }

    @Test func idleBuffersExpireWithAge() throws {
        let pool = BufferPool(maxIdleAge: .milliseconds(1))
        let memfd = Memfd()
        try pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a).release()
        #expect(pool.trim(olderThan: .seconds(60)).buffers == 0, "not yet old enough")
        Thread.sleep(forTimeInterval: 0.01)
        let next = try pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a)
        #expect(!next.reused, "the aged buffer was freed, so this one is fresh")
        #expect(pool.statistics().rows[0].trimmedBuffers == 1)
        next.release()
    }

    /// ENOMEM from the allocator: the pool frees its idle buffers of that heap and tries once
    /// more; with nothing idle to free, the error is the caller's (who falls back to the plan's
    /// next heap).
    @Test func outOfMemoryTrimsThisHeapAndRetriesOnce() throws {
        let pool = BufferPool()
        let memfd = Memfd()
        try pool.acquire(from: memfd, byteCount: 8192, owner: PoolChecks.a).release()
        let (retried, _) = Mocking.with(rules: [.fail(.memfdCreate, with: .noMemory)]) { () -> PooledBuffer? in
            try? pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a)
        }
        #expect(retried != nil, "the retry after trimming succeeded")
        let row = try #require(pool.statistics().rows.first { $0.size == 4096 })
        #expect(row.retriesAfterTrim == 1)
        #expect(pool.statistics().rows.first { $0.size == 8192 }?.trimmedBuffers == 1, "the idle 8 KiB buffer was freed for it")
        retried?.release()
        pool.trim()
        let (error, _) = Mocking.with(rules: [.fail(.memfdCreate, with: .noMemory)]) { () -> LinuxError? in
            do throws(LinuxError) { _ = try pool.acquire(from: memfd, byteCount: 4096, owner: PoolChecks.a); return nil } catch { return error }
        }
        #expect(error?.code == .outOfMemory, "nothing idle to free: the ENOMEM is reported")
        #expect(pool.statistics().inUseBuffers == 0)
    }

    @Test func impossibleLengthsAreRefused() throws {
        let pool = BufferPool()
        for length in [0, -1, Int.max] {
            let error = #expect(throws: LinuxError.self) { try pool.acquire(from: Memfd(), byteCount: length, owner: PoolChecks.a) }
            #expect(error?.code == .invalidLength, "\(length)")
        }
    }

    /// Several threads share one pool (as the broker's connections will), each its own owner,
    /// half their releases keeping contents: a lease holds only zeros or, when it is the
    /// buffer the same thread kept, that thread's own byte, never another thread's. Run under
    /// TSan for data races (`scripts/sanitize.sh thread`).
    @Test func threadsShareOnePool() async throws {
        let pool = BufferPool(perList: .init(idleBuffers: 4, idleBytes: 1 << 20), overall: .init(idleBuffers: 8, idleBytes: 4 << 20), maxIdleAge: nil)
        let results = try await withThrowingTaskGroup(of: (foreign: Int, ownKept: Int).self) { group in
            for thread in 0..<4 {
                group.addTask {
                    let memfd = Memfd()
                    let owner = PoolOwner(UInt64(thread + 1)), mine = UInt8(thread + 1)
                    var foreign = 0, ownKept = 0
                    for round in 0..<300 {
                        let buffer = try pool.acquire(from: memfd, byteCount: 4096 << (round % 3), owner: owner)
                        let seen = try buffer.withCPUAccess(.read) { bytes in (bytes.first ?? 0, bytes.allSatisfy { $0 == bytes.first }) }
                        if seen.0 == mine && seen.1 { ownKept += 1 } else if seen.0 != 0 || !seen.1 { foreign += 1 }
                        try PoolChecks.fill(buffer, with: mine)
                        buffer.release(keepContents: round % 2 == 0)
                    }
                    return (foreign, ownKept)
                }
            }
            return try await group.reduce(into: [(foreign: Int, ownKept: Int)]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.foreign == 0 }, "no thread saw another thread's bytes: \(results)")
        #expect(results.reduce(0) { $0 + $1.ownKept } > 0, "kept contents came back to their owner")
        let stats = pool.statistics()
        #expect(stats.inUseBuffers == 0 && stats.rows.reduce(0) { $0 + $1.hits + $1.misses } == 1200)
    }

    /// Mappings of Heapwise's memfds, read whole through the funnel (Foundation stops reading a
    /// procfs file, whose size is 0, after one page).
    static func memfdMappings() -> Int {
        (ProcFiles.read("/proc/self/maps", limit: 64 << 20, whole: true) ?? "").split(separator: "\n").filter { $0.contains("memfd:heapwise") }.count
    }
}
