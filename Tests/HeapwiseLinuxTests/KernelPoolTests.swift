import Foundation
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The pool on real dma-bufs (kernel lab): the system and CMA heaps and udmabuf keep the owner
/// rule through `DMA_BUF_IOCTL_SYNC`-bracketed zeroing, a random workload leaks no descriptor
/// or mapping, and idle CMA buffers are given back when a new CMA allocation would fail.
@Suite(.enabled(if: KernelLab.active, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelPoolTests {
    static func allocator(_ name: String) throws -> BufferAllocator {
        if name == "udmabuf" { return try Udmabuf() }
        return try DMAHeap(try #require(KernelLab.heap(named: name), "the lab kernel has the \(name) heap"))
    }

    /// Mappings of dma-bufs in this process (`/proc/self/maps` names them `/dmabuf:NAME`), read
    /// whole through the funnel.
    static func dmabufMappings() -> Int {
        (ProcFiles.read("/proc/self/maps", limit: 64 << 20, whole: true) ?? "").split(separator: "\n").filter { $0.contains("dmabuf:") }.count
    }

    @Test(arguments: ["system", "reserved", "udmabuf"])
    func ownersNeverSeeEachOthersBytes(heap: String) throws {
        try PoolChecks.ownersNeverSeeEachOthersBytes(try Self.allocator(heap), size: 256 << 10)
    }

    @Test(arguments: ["system", "reserved", "udmabuf"])
    func randomWorkloadLeaksNothing(heap: String) throws {
        let allocator = try Self.allocator(heap)
        let descriptors = KernelLab.openDescriptorCount(), mappings = Self.dmabufMappings()
        var heldWhileAlive = (descriptors: 0, mappings: 0, idle: 0)
        let counts = try PoolChecks.randomWorkloadKeepsEveryRule(allocator, operations: 1500, seed: 7) { stats in
            heldWhileAlive = (KernelLab.openDescriptorCount() - descriptors, Self.dmabufMappings() - mappings, stats.idleBuffers)
        }
        #expect(heldWhileAlive.descriptors == heldWhileAlive.idle, "with the pool alive, the process holds exactly its idle buffers' descriptors")
        #expect(heldWhileAlive.mappings == heldWhileAlive.idle, "and exactly one kept mapping per idle buffer")
        print("pool: \(heap): 1500 random operations: \(counts.hits) hits, \(counts.misses) misses, \(counts.trims) trims; "
              + "with the pool alive \(heldWhileAlive.idle) idle, \(heldWhileAlive.descriptors) more descriptors, \(heldWhileAlive.mappings) more mappings; "
              + "after it, descriptors \(descriptors) -> \(KernelLab.openDescriptorCount()), dma-buf mappings \(mappings) -> \(Self.dmabufMappings())")
        #expect(KernelLab.openDescriptorCount() == descriptors, "no dma-buf descriptor outlives the pool")
        #expect(Self.dmabufMappings() == mappings, "no dma-buf mapping outlives the pool")
        #expect(counts.hits > 200 && counts.misses > 20)
    }

    /// A buffer whose zeroing fails (`DMA_BUF_IOCTL_SYNC` refused) is not lent and not kept: the
    /// error reaches the caller, the buffer is freed, and the pool's counts stay true.
    @Test func aBufferThatCannotBeZeroedIsFreedNotLent() throws {
        let system = try Self.allocator("system")
        let pool = BufferPool()
        let descriptors = KernelLab.openDescriptorCount()
        let first = try pool.acquire(from: system, byteCount: 64 << 10, owner: PoolChecks.a)
        try PoolChecks.fill(first, with: 0xEE)
        first.release()
        let (error, script) = Mocking.with(rules: [.fail(.dmaBufSync, with: .noMemory)]) { () -> LinuxError? in
            do throws(LinuxError) { _ = try pool.acquire(from: system, byteCount: 64 << 10, owner: PoolChecks.b); return nil } catch { return error }
        }
        #expect(error?.code == .outOfMemory && error?.operation == .dmaBufSync)
        #expect(script.records.contains { $0.call == .dmaBufSync && $0.mocked == .fail(.noMemory) })
        let stats = pool.statistics()
        #expect(stats.inUseBuffers == 0 && stats.idleBuffers == 0, "neither lent nor kept")
        #expect(stats.rows.first?.trimmedBuffers == 1 && stats.rows.first?.hits == 0)
        #expect(KernelLab.openDescriptorCount() == descriptors, "and freed")
        let next = try pool.acquire(from: system, byteCount: 64 << 10, owner: PoolChecks.b)
        #expect(!next.reused)
        #expect(try PoolChecks.allBytes(next, are: 0))
        next.release()
    }

    /// Fill the CMA area with buffers the pool holds idle; a new CMA allocation of another size
    /// would fail, so the pool frees its idle CMA buffers and the retry succeeds.
    @Test func idleCMABuffersAreGivenBackWhenCMARunsOut() throws {
        let reserved = try Self.allocator("reserved")
        let pool = BufferPool(perList: .init(idleBuffers: 1024, idleBytes: 1 << 30), overall: .init(idleBuffers: 1024, idleBytes: 1 << 30), maxIdleAge: nil)
        var held: [PooledBuffer] = []
        var exhausted = false
        while !exhausted && held.count < 256 {
            do {
                held.append(try pool.acquire(from: reserved, byteCount: 4 << 20, owner: PoolChecks.a))
            } catch {
                #expect(error.code == .outOfMemory)
                exhausted = true
            }
        }
        #expect(exhausted, "the CMA area ran out after \(held.count) × 4 MiB")
        let hoarded = held.count
        for buffer in held { buffer.release() }
        held.removeAll()
        #expect(pool.statistics().idleBuffers == hoarded, "the pool holds every CMA buffer idle")
        let large = try pool.acquire(from: reserved, byteCount: 8 << 20, owner: PoolChecks.b)
        let stats = pool.statistics()
        let row = try #require(stats.rows.first { $0.size == 8 << 20 })
        print("pool: CMA: \(hoarded) × 4 MiB idle filled the area; an 8 MiB allocation succeeded after the pool freed "
              + "\(stats.rows.first { $0.size == 4 << 20 }?.trimmedBuffers ?? 0) idle buffers")
        #expect(row.retriesAfterTrim == 1)
        #expect(try PoolChecks.allBytes(large, are: 0))
        large.release()
    }
}
