import CHeapwiseLinux
import Foundation
import SystemPackage
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// ION's host-side behaviour: what its heap types mean, and the errors of a kernel without
/// ION, of a node that is not ION, and of a heap id ION does not have. The lab's 5.10 kernel
/// allocates from real ION heaps (KernelIONTests).
@Suite(.serialized) struct IONHeapTests {
    @Test func heapTypesMapToKinds() {
        func kind(_ type: UInt32) -> HeapKind { IONHeap.Description(name: "x", type: type, id: 0).kind }
        #expect(kind(hw_ION_HEAP_TYPE_SYSTEM) == .system)
        #expect(kind(hw_ION_HEAP_TYPE_SYSTEM_CONTIG) == .systemContig)
        #expect(kind(hw_ION_HEAP_TYPE_CARVEOUT) == .carveout)
        #expect(kind(hw_ION_HEAP_TYPE_CHUNK) == .chunk)
        #expect(kind(hw_ION_HEAP_TYPE_DMA) == .cma, "ION_HEAP_TYPE_DMA is ion_cma_heap.c")
        #expect(kind(hw_ION_HEAP_TYPE_CUSTOM) == .other)
        #expect(kind(hw_ION_HEAP_TYPE_CUSTOM + 7) == .other, "a vendor type is unknown, never assumed contiguous")
        #expect(IONHeap.Description(name: "reserved", type: hw_ION_HEAP_TYPE_DMA, id: 2).catalogName == "ion:reserved")
    }

    @Test func aKernelWithoutIONIsAbsentNotAnError() {
        let missing = "/nonexistent/ion"
        guard case .absent = HeapDiscovery.discoverION(path: missing, physicalBits: 40, meminfo: "") else {
            Issue.record("a missing /dev/ion must read as 'no ION'"); return
        }
        let error = #expect(throws: LinuxError.self) { try IONHeap.queryHeaps(path: missing) }
        #expect(error?.code == .notFound)
        #expect(error?.remedy?.contains("5.11") == true)
    }

    /// /dev/null answers every ioctl with ENOTTY, as a pre-4.12 ION answers HEAP_QUERY.
    @Test func aNodeThatIsNotNewIONIsUnlistedWithTheReason() {
        let error = #expect(throws: LinuxError.self) { try IONHeap.queryHeaps(path: "/dev/null") }
        #expect(error?.code == .unsupported)
        #expect(error?.operation == .ionHeapQuery)
        #expect(error?.remedy?.contains("4.12") == true)
        guard case let .unlisted(reason) = HeapDiscovery.discoverION(path: "/dev/null", physicalBits: 40, meminfo: "") else {
            Issue.record("an ION that cannot list its heaps is reported, not hidden"); return
        }
        #expect(reason.code == .unsupported)
    }

    @Test func aHeapWithoutAnIONIdIsRefused() {
        let before = KernelLab.openDescriptorCount()
        let system = Heap(name: "system", kind: .system, addressBits: 64)
        let error = #expect(throws: LinuxError.self) { try IONHeap(system, path: "/dev/null") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("'system'") == true)
        let outOfRange = Heap(name: "ion:x", kind: .system, addressBits: 64, ionHeapID: 32)
        #expect(throws: LinuxError.self) { try IONHeap(outOfRange, path: "/dev/null") }
        #expect(KernelLab.openDescriptorCount() == before)
    }

    /// ion_alloc answers ENODEV when no heap of the mask exists: the heap is gone, not the memory.
    @Test func aVanishedHeapIdIsNotFound() throws {
        let heap = try IONHeap(Heap(name: "ion:gone", kind: .system, addressBits: 64, ionHeapID: 5), path: "/dev/null")
        let before = KernelLab.openDescriptorCount()
        let (error, script) = Mocking.with(rules: [.fail(.ionAlloc, with: .interrupted), .fail(.ionAlloc, with: .operationNotSupportedByDevice)]) {
            () -> LinuxError? in
            do { _ = try heap.allocate(byteCount: 4096); return nil } catch { return error as? LinuxError }
        }
        #expect(script.unused == 0, "EINTR was retried, then ENODEV reported")
        #expect(error?.code == .notFound)
        #expect(error?.remedy?.contains("id 5") == true)
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func anExhaustedHeapIsOutOfMemory() throws {
        let heap = try IONHeap(Heap(name: "ion:reserved", kind: .cma, addressBits: 32, ionHeapID: 2), path: "/dev/null")
        let (error, _) = Mocking.with(rules: [.fail(.ionAlloc, with: .noMemory)]) { () -> LinuxError? in
            do { _ = try heap.allocate(byteCount: 1 << 20); return nil } catch { return error as? LinuxError }
        }
        #expect(error?.code == .outOfMemory)
        #expect(error?.description.contains("ION heap 'ion:reserved'") == true)
    }
}
