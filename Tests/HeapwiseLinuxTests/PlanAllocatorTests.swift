import SystemPackage
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The fallback cascade, with stand-in allocators so it runs anywhere: the first heap fails
/// the way an exhausted CMA area or a 0600 node does, and the next heap of the plan is used.
@Suite struct PlanAllocatorTests {
    /// An allocator that fails with `errno`, or hands out memfds when `errno` is nil.
    final class Scripted: BufferAllocator {
        let heap: Heap
        let node: String
        let errno: Errno?
        init(_ heap: Heap, failing errno: Errno?) {
            self.heap = heap
            self.node = "/dev/dma_heap/" + heap.name
            self.errno = errno
        }
        func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
            if let errno { throw LinuxError.from(errno, node: node, operation: .dmaHeapAlloc) }
            return try Memfd().allocatePageAligned(length)
        }
        func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> { .failure(.notSupported) }
    }

    static let camera = """
        name: camera
        heaps: [cma]
        usages: { write: { formats: [NV12] } }
        """

    func plan(_ catalog: HeapCatalog) throws -> Plan {
        let device = try ProfileParser.parse(Self.camera)
        let pipeline = Pipeline(width: 640, height: 480, count: 2, participants: [Participant(device: device, usage: device.usages[0])])
        return try #require(Resolver(catalog: catalog).resolve(pipeline).chosen)
    }

    @Test(arguments: [Errno.noMemory, .permissionDenied])
    func fallsBackToTheNextHeap(_ failure: Errno) throws {
        let catalog = HeapCatalog.builtIn
        let plan = try plan(catalog)
        #expect(plan.heap.name == "reserved")
        #expect(plan.fallbackHeaps == ["system"])
        let allocator = PlanAllocator { heap throws(LinuxError) in
            Scripted(heap, failing: heap.name == "reserved" ? failure : nil)
        }
        let result = try allocator.allocate(plan, count: 2, catalog: catalog)
        #expect(result.heap.name == "system")
        #expect(result.images.count == 2)
        #expect(result.images[0].count == 1)
        #expect(result.images[0][0].size == 462_848)
        #expect(result.failedAttempts.map(\.heap) == ["reserved"])
    }

    @Test func otherErrorsDoNotFallBack() throws {
        let plan = try plan(.builtIn)
        let allocator = PlanAllocator { heap throws(LinuxError) in Scripted(heap, failing: .invalidArgument) }
        let error = #expect(throws: LinuxError.self) { try allocator.allocate(plan, count: 1, catalog: .builtIn) }
        #expect(error?.code == .invalidArgument, "EINVAL is not a reason to try another heap")
        #expect(error?.node == "/dev/dma_heap/" + plan.heap.name && error?.operation == .dmaHeapAlloc, "the chosen heap's own error")
    }

    @Test func exhaustingEveryHeapNamesEachFailure() throws {
        let plan = try plan(.builtIn)
        let allocator = PlanAllocator { heap throws(LinuxError) in Scripted(heap, failing: .noMemory) }
        do {
            _ = try allocator.allocate(plan, count: 1, catalog: .builtIn)
            Issue.record("allocation succeeded with every heap out of memory")
        } catch {
            #expect(error.message.contains("reserved:"))
            #expect(error.message.contains("system:"))
            #expect(error.failedAttempts.map(\.heap) == ["reserved", "system"], "every attempt is a value the C API can list")
            #expect(error.failedAttempts.allSatisfy { $0.error.errno == .noMemory && $0.reason == "\(Errno.noMemory)" })
        }
    }

    /// The pool takes the same walk: a heap that fails part-way gives back what it lent (the
    /// pool holds it idle, nothing leaks) and the next heap serves every image.
    @Test func aPoolWalksTheSameHeapsAndKeepsNothingOfAFailedOne() throws {
        let catalog = HeapCatalog.builtIn
        let plan = try plan(catalog)
        final class Countdown: BufferAllocator {
            let heap: Heap
            let node = "/dev/dma_heap/reserved"
            var left: Int
            init(_ heap: Heap, buffers: Int) { self.heap = heap; left = buffers }
            func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
                guard left > 0 else { throw LinuxError.from(.noMemory, node: node, operation: .dmaHeapAlloc) }
                left -= 1
                return try Memfd().allocatePageAligned(length)
            }
            func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> { .failure(.notSupported) }
        }
        let reserved = Countdown(plan.heap, buffers: 1)  // one image, then ENOMEM
        let system = try #require(catalog.heaps.first { $0.name == "system" })
        let systemAllocator = Scripted(system, failing: nil)
        let allocator = PlanAllocator { heap throws(LinuxError) -> BufferAllocator in heap.name == "reserved" ? reserved : systemAllocator }
        let pool = BufferPool()
        let lent = try allocator.acquire(plan.layout, count: 2, heaps: HeapFallback.candidates(for: plan, in: catalog),
                                         from: pool, owner: PoolOwner(1), name: nil)
        #expect(lent.heap.name == "system" && lent.images.count == 2)
        #expect(lent.failedAttempts.map(\.heap) == ["reserved"])
        #expect(pool.statistics().inUseBuffers == 2, "only the system heap's two buffers are out; the reserved one went back")
        for lease in lent.images.joined() { lease.release() }
    }
}

/// Buffer names fit the kernel's 31 bytes, stay valid UTF-8, and stay distinct.
@Suite struct BufferNameTests {
    @Test func shortNamesAreKeptWhole() {
        #expect(BufferName.make("camera", image: 2, buffer: 1) == "camera-2.1")
    }

    @Test func longNamesLoseTheirBaseNotTheirNumbers() {
        let base = String(repeating: "é", count: 20)  // 40 bytes, 2 per character
        let names = (0..<3).flatMap { image in (0..<2).map { BufferName.make(base, image: image, buffer: $0) } }
        #expect(Set(names).count == names.count, "every buffer keeps a distinct name")
        for name in names {
            #expect(name.utf8.count <= BufferName.limit)
            #expect(!name.contains("\u{FFFD}"), "no character was split")
            #expect(name.hasPrefix(String(repeating: "é", count: 13)))
        }
        #expect(names.last == String(repeating: "é", count: 13) + "-2.1")
        #expect(BufferName.limit == 31)
    }
}
