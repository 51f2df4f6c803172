import Glibc
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// ION (`/dev/ion`) on the lab's Linux 5.10, beside that kernel's dma-buf heaps: its heaps are
/// found with their kinds, its buffers are dma-bufs like any other (CPU access with
/// `DMA_BUF_IOCTL_SYNC`, names, PRIME and V4L2 import, pools), and a plan falls back to them.
/// Not applicable on kernels without ION (6.1, 6.12: it left in 5.11).
@Suite(KernelLab.needs(.ion), .serialized)
struct KernelIONTests {
    /// The heaps of drivers/staging/android/ion in 5.10 with CONFIG_ION_SYSTEM_HEAP and
    /// CONFIG_ION_CMA_HEAP: the system heap, the system-contig heap, one heap per CMA area.
    static let heaps: [String: HeapKind] = [
        "ion:ion_system_heap": .system, "ion:ion_system_contig_heap": .systemContig, "ion:reserved": .cma,
    ]

    func ion(_ name: String) throws -> IONHeap {
        try IONHeap(try #require(KernelLab.heap(named: name), "the 5.10 lab kernel has ION heap \(name)"))
    }

    @Test func heapsAreDiscoveredWithTheirKindsBesideTheDMABufHeaps() throws {
        let found = HeapDiscovery.discover()
        let ion = found.filter(\.heap.isION)
        print("ion-lab: \(ion.map { "\($0.heap.name) (\($0.heap.kind.rawValue), id \($0.heap.ionHeapID ?? -1))" }.joined(separator: ", "))")
        #expect(Dictionary(uniqueKeysWithValues: ion.map { ($0.heap.name, $0.heap.kind) }) == Self.heaps)
        #expect(Set(found.filter { !$0.heap.isION }.map(\.heap.name)).isSuperset(of: ["system", "reserved"]))
        let cma = try #require(ion.first { $0.heap.name == "ion:reserved" })
        let dmabufCMA = try #require(found.first { $0.heap.name == "reserved" })
        #expect(cma.heap.contiguous && cma.heap.capacity == dmabufCMA.heap.capacity, "one CMA area behind both")
        #expect(HeapDiscovery.liveCatalog()?.origin.contains("/dev/ion") == true)
        // Accounting shows the one area once, under the dma-buf heap's name.
        #expect(DMABufAccounting.cmaAreas(of: found).map(\.heap) == ["reserved"])
    }

    @Test(arguments: ["ion:ion_system_heap", "ion:ion_system_contig_heap", "ion:reserved"])
    func buffersAreDMABufsWithCPUAccessAndNames(_ name: String) throws {
        let before = KernelLab.openDescriptorCount()
        do {
            let buffer = try ion(name).allocate(byteCount: (256 << 10) + 1)
            #expect(buffer.size == (256 << 10) + 4096)
            let info = try buffer.info()
            #expect(info.exporter == "ion", "ION names every buffer's exporter 'ion'")
            #expect(info.size == buffer.size)
            try buffer.setName("hw-ion-lab")
            #expect(try buffer.info().name == "hw-ion-lab")
            try buffer.withCPUAccess(.write) { bytes in
                for i in stride(from: 0, to: bytes.count, by: 4096) { bytes[i] = UInt8(truncatingIfNeeded: i >> 12) }
            }
            let wrong = try buffer.withCPUAccess(.read) { bytes in
                stride(from: 0, to: bytes.count, by: 4096).filter { bytes[$0] != UInt8(truncatingIfNeeded: $0 >> 12) }.count
            }
            #expect(wrong == 0)
        }
        #expect(KernelLab.openDescriptorCount() == before)
    }

    /// A heap id ION does not have is ENODEV from ion_alloc: a typed "not found".
    @Test func anUnknownHeapIdIsNotFound() throws {
        let missing = Heap(name: "ion:missing", kind: .system, addressBits: 64, ionHeapID: 31)
        let error = #expect(throws: LinuxError.self) { try IONHeap(missing).allocate(byteCount: 4096) }
        #expect(error?.code == .notFound && error?.operation == .ionAlloc, "\(String(describing: error))")
    }

    @Test(arguments: ["vkms", "vgem"])
    func primeImportKeepsTheBuffersIdentity(_ driver: String) throws {
        let device = try DRMDevice.open(driver: driver)
        let buffer = try ion("ion:ion_system_heap").allocate(byteCount: 1 << 20)
        let handle = try device.importBuffer(buffer)
        #expect(handle.handle != 0)
        if device.capabilities().primeExport {
            let exported = try device.exportBuffer(handle)
            #expect(try exported.inode() == buffer.inode())
            exported.close()
        } else {
            // vkms of 5.10 imports but cannot export (KernelLab.Feature.vkmsShmemGEM).
            try KernelDRMTests.expectExportRefused(device, handle)
        }
        handle.release()
    }

    /// vivid takes buffers by V4L2_MEMORY_DMABUF through vb2-vmalloc, which needs a kernel
    /// mapping of each (`dma_buf_vmap`), and 5.10's ION has no `vmap` in its `dma_buf_ops`:
    /// VIDIOC_QBUF fails with EFAULT, and Heapwise says why. (Drivers on vb2-dma-contig or
    /// vb2-dma-sg, real cameras and codecs, map through `map_dma_buf`, as vkms and vgem do
    /// above; a dma-buf heap's buffer goes into vivid, KernelV4L2Tests.)
    @Test func vividRefusesIONBuffersItCannotMapAndSaysWhy() throws {
        let device = try V4L2Device.open(driver: "vivid") { $0.queues.contains(.videoCapture) }
        let format = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: FourCC("YUYV")!))
        let heap = try ion("ion:ion_system_heap")
        let buffers = try (0..<2).map { _ in [try heap.allocate(byteCount: format.planes[0].sizeImage)] }
        let stream = try V4L2Stream(device: device, format: format, importing: buffers)
        let error = #expect(throws: LinuxError.self) { try stream.queueAll() }
        print("ion-lab: vivid: \(String(describing: error))")
        #expect(error?.errno == .badAddress && error?.operation == .vidiocQueueBuffer, "\(String(describing: error))")
        #expect(error?.remedy?.contains("vmap") == true, "\(String(describing: error))")
        try stream.release()
    }

    @Test func aPoolLendsIONBuffersZeroed() throws {
        let heap = try ion("ion:ion_system_heap")
        let pool = BufferPool()
        let first = try pool.acquire(from: heap, byteCount: 64 << 10, owner: PoolChecks.a)
        try PoolChecks.fill(first, with: 0xEE)
        first.release()
        let next = try pool.acquire(from: heap, byteCount: 64 << 10, owner: PoolChecks.b)
        #expect(next.reused, "the idle ION buffer is lent again")
        #expect(try PoolChecks.allBytes(next, are: 0), "to another owner, zeroed")
        next.release()
    }

    /// Accounting (`heapwise stats`) sees an ION buffer like any dma-buf: its size, ION's
    /// exporter name, its name, and this process holding it by descriptor.
    @Test func accountingSeesIONBuffersAndWhoHoldsThem() throws {
        let buffer = try ion("ion:ion_system_heap").allocate(byteCount: 192 << 10)
        try buffer.setName("hw-ion-stats")
        let inode = try buffer.inode()
        let snapshot = DMABufAccounting().snapshot()
        let seen = try #require(snapshot.buffers[inode], "the ION buffer is in the snapshot")
        #expect(seen.size == 192 << 10 && seen.exporter == "ion" && seen.name == "hw-ion-stats", "\(seen)")
        #expect(snapshot.holdings.contains { $0.pid == getpid() && $0.inode == inode && $0.via == .descriptor(buffer.fd) },
                "this process holds it by its descriptor")
    }

    /// With the CMA area exhausted through the dma-buf CMA heap, a contiguous plan falls back
    /// past ION's CMA heap (the same area) to ION's system-contig heap.
    @Test func aContiguousPlanFallsBackThroughIONHeaps() throws {
        let device = try ProfileParser.parse("name: cam\nconstraints: { contiguous: true }\nusages: { write: { formats: [NV12] } }")
        let catalog = HeapDiscovery.catalog()
        let pipeline = Pipeline(width: 320, height: 240, count: 2, participants: [Participant(device: device, usage: device.usages[0])])
        let plan = try #require(Resolver(catalog: catalog).resolve(pipeline).chosen)
        #expect(plan.heap.name == "reserved", "the dma-buf CMA heap before ION's")
        #expect(plan.fallbackHeaps.starts(with: ["ion:reserved"]) && plan.fallbackHeaps.contains("ion:ion_system_contig_heap"),
                "\(plan.fallbackHeaps)")
        let reserved = try DMAHeap(try #require(KernelLab.heap(named: "reserved")))
        var hoard: [DMABuf] = []
        while true {
            do { hoard.append(try reserved.allocate(byteCount: 1 << 20)) } catch { #expect(error.code == .outOfMemory); break }
        }
        let allocated = try PlanAllocator().allocate(plan, count: 2, catalog: catalog)
        print("ion-lab: CMA exhausted after \(hoard.count) MiB; plan fell back \(allocated.failedAttempts.map(\.heap).joined(separator: " -> ")) -> \(allocated.heap.name)")
        #expect(allocated.failedAttempts.map(\.heap) == ["reserved", "ion:reserved"])
        #expect(allocated.heap.name == "ion:ion_system_contig_heap")
        #expect(try allocated.images[0][0].info().exporter == "ion")
        hoard.removeAll()
        #expect(try PlanAllocator().allocate(plan, count: 2, catalog: catalog).heap.name == "reserved")
    }
}
