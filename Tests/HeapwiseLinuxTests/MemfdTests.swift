import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The memfd fallback works on any Linux, so it is tested on the host too.
@Suite struct MemfdTests {
    @Test func allocatesPageAlignedCPUMemory() throws {
        let buffer = try Memfd().allocate(byteCount: 10_000)
        #expect(buffer.size == 12_288)
        #expect(!buffer.isDMABuf)
        #expect(try Syscalls.readlink("/proc/self/fd/\(buffer.fd)").get() == "/memfd:heapwise (deleted)")
    }

    @Test func cpuAccessWritesAndReadsBack() throws {
        let buffer = try Memfd().allocate(byteCount: 8192)
        try buffer.withCPUAccess(.write) { bytes in
            for i in 0..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 7) }
        }
        let ok = try buffer.withCPUAccess(.read) { bytes in
            (0..<bytes.count).allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0 &* 7) }
        }
        #expect(ok)
    }

    @Test func closeIsIdempotentAndReleasesTheDescriptor() throws {
        let before = KernelLab.openDescriptorCount()
        let buffer = try Memfd().allocate(byteCount: 4096)
        #expect(KernelLab.openDescriptorCount() == before + 1)
        buffer.close()
        buffer.close()
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func zeroAndOverflowingLengthsAreRefused() throws {
        for length in [0, -1, Int.max] {
            let error = #expect(throws: LinuxError.self) { try Memfd().allocate(byteCount: length) }
            #expect(error?.code == .invalidLength && error?.operation == .allocate, "\(length) bytes")
        }
        do {
            _ = try Memfd().allocate(byteCount: 0)
        } catch {
            #expect(error.code == .invalidLength)
            #expect(error.description.contains("at least 1 byte"))
        }
        do {
            _ = try Memfd().allocate(byteCount: Int.max)
        } catch {
            #expect(error.code == .invalidLength)
            #expect(error.description.contains("overflows when rounded to pages"))
        }
    }

    @Test func missingHeapIsNotFoundWithARemedy() throws {
        let heap = Heap(name: "no-such-heap", kind: .system, contiguous: false, addressBits: 64, cached: true)
        do {
            _ = try DMAHeap(heap)
            Issue.record("opening a missing heap succeeded")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.description.contains("/dev/dma_heap/no-such-heap"))
            #expect(error.remedy?.contains("heapwise heaps") == true)
        }
    }

    @Test func discoveryClassifiesHeapNames() {
        #expect(HeapDiscovery.kind(ofHeapNamed: "system") == .system)
        #expect(HeapDiscovery.kind(ofHeapNamed: "reserved") == .cma)
        #expect(HeapDiscovery.kind(ofHeapNamed: "linux,cma") == .cma)
        #expect(HeapDiscovery.kind(ofHeapNamed: "default_cma_region") == .cma)
        #expect(HeapDiscovery.kind(ofHeapNamed: "system-uncached") == .systemUncached)
        #expect(HeapDiscovery.kind(ofHeapNamed: "vendor-secure") == .carveout)
        #expect(HeapDiscovery.kind(ofHeapNamed: "mystery") == .other)
    }

    @Test func fdinfoFieldsAreParsed() {
        let info = DMABufInfo(fdinfo: "pos:\t0\nflags:\t02000002\nsize:\t1048576\ncount:\t1\nexp_name:\tsystem\nname:\tcamera-0\n")
        #expect(info.size == 1_048_576)
        #expect(info.count == 1)
        #expect(info.exporter == "system")
        #expect(info.name == "camera-0")
    }
}
