import Foundation
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// dma-buf heaps and udmabuf against the real kernel of the lab (Lab/README.md): the system
/// heap, the CMA heap (`reserved`), and `/dev/udmabuf`. Enabled only in the lab, where each
/// must run; a missing node there fails the test instead of skipping it.
@Suite(.enabled(if: KernelLab.active, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelHeapTests {
    func heap(_ name: String) throws -> DMAHeap {
        let description = try #require(KernelLab.heap(named: name), "the lab kernel has /dev/dma_heap/\(name)")
        return try DMAHeap(description)
    }

    @Test(arguments: [1, 4095, 4096, 4097, 65_537, 1 << 20, (8 << 20) + 1])
    func systemHeapAllocatesWholePages(_ length: Int) throws {
        let buffer = try heap("system").allocate(byteCount: length)
        let pages = (length + 4095) / 4096 * 4096
        #expect(buffer.size == pages)
        let info = try buffer.info()
        #expect(info.size == pages)
        #expect(info.exporter == KernelLab.exporter(ofHeap: "system"))
        #expect(try buffer.inode() > 0)
    }

    @Test(arguments: ["system", "reserved"])
    func cpuWritesAreReadBack(_ name: String) throws {
        let buffer = try heap(name).allocate(byteCount: 1 << 20)
        try buffer.withCPUAccess(.write) { bytes in
            for i in stride(from: 0, to: bytes.count, by: 4) {
                bytes.storeBytes(of: UInt32(truncatingIfNeeded: i ^ 0x5A5A_A5A5), toByteOffset: i, as: UInt32.self)
            }
        }
        let mismatches = try buffer.withCPUAccess(.read) { bytes in
            stride(from: 0, to: bytes.count, by: 4).filter {
                bytes.load(fromByteOffset: $0, as: UInt32.self) != UInt32(truncatingIfNeeded: $0 ^ 0x5A5A_A5A5)
            }.count
        }
        #expect(mismatches == 0)
    }

    /// fdinfo's generic lines gained `ino:` in 5.14; dma_buf_show_fdinfo's own lines are the
    /// same on every lab kernel. Accounting identifies buffers by fstat either way.
    @Test func fdinfoFieldsFollowTheKernel() throws {
        let buffer = try heap("system").allocate(byteCount: 8192)
        let text = try #require(ProcFiles.read("/proc/self/fdinfo/\(buffer.fd)"))
        let keys = Set(text.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(String.init) })
        #expect(keys.isSuperset(of: ["pos", "flags", "mnt_id", "size", "count", "exp_name"]), "\(keys.sorted())")
        #expect(keys.contains("ino") == KernelLab.has(.fdinfoInode), "\(keys.sorted())")
        let info = try buffer.info()
        #expect(info.size == 8192 && info.exporter == KernelLab.exporter(ofHeap: "system"))
    }

    @Test func namesAppearInFdinfo() throws {
        let buffer = try heap("system").allocate(byteCount: 4096)
        try buffer.setName("heapwise-camera-0")
        #expect(try buffer.info().name == "heapwise-camera-0")
        let error = #expect(throws: LinuxError.self) { try buffer.setName(String(repeating: "x", count: 32)) }
        #expect(error?.code == .invalidArgument && error?.operation == .dmaBufSetName)
        #expect(error?.message.contains("keeps at most 31") == true)
    }

    /// The exported fence is a real sync_file, already signalled (nothing is pending on a
    /// fresh buffer), and the buffer takes it back.
    @Test func syncFilesExportAndImport() throws {
        let buffer = try heap("system").allocate(byteCount: 4096)
        guard KernelLab.has(.syncFile) else {
            // Before 6.0 both ioctls are ENOTTY: a typed "unsupported" naming the kernel.
            let export = #expect(throws: LinuxError.self) { try buffer.exportSyncFile(for: .write) }
            #expect(export?.code == .unsupported && export?.operation == .dmaBufExportSyncFile)
            #expect(export?.message.contains("not supported by this kernel") == true, "\(String(describing: export))")
            let other = try heap("system").allocate(byteCount: 4096)
            let fence = try? other.exportSyncFile(for: .write)
            #expect(fence == nil)
            return
        }
        let fence = try buffer.exportSyncFile(for: .write)
        #expect(try Syscalls.readlink("/proc/self/fd/\(fence.fd)").get() == "anon_inode:sync_file")
        #expect(try fence.wait(timeoutMilliseconds: 1000))
        try buffer.importSyncFile(fence, for: .write)
    }

    /// A system-heap dma-buf passed over a Unix socket (SCM_RIGHTS), as the broker will hand
    /// buffers to clients, arrives as a dma-buf the receiver can import and map: same
    /// exporter, same inode, same bytes.
    @Test func aDMABufPassedOverASocketImportsOnTheOtherSide() throws {
        let buffer = try heap("system").allocate(byteCount: 8192)
        try buffer.setName("hw-passed")
        try buffer.withCPUAccess(.write) { $0[8191] = 0xC3 }
        let (a, b) = try Syscalls.socketPair().get()
        let left = Descriptor(adopting: a), right = Descriptor(adopting: b)
        _ = try Syscalls.send(left.rawValue, [1], descriptors: [buffer.fd]).get()
        let message = try Syscalls.receive(right.rawValue, maxBytes: 8).get()
        #expect(message.descriptors.count == 1)
        let passed = Descriptor(adopting: message.descriptors[0])
        let imported = try DMABuf(importing: passed.rawValue, origin: "socket")
        #expect(try imported.info().exporter == KernelLab.exporter(ofHeap: "system"))
        #expect(try imported.info().name == "hw-passed")
        #expect(try imported.inode() == buffer.inode())
        #expect(imported.size == 8192)
        #expect(try imported.withCPUAccess(.read) { $0[8191] } == 0xC3)
    }

    /// On a real system-heap buffer, START really runs and only END is failed: END's error is
    /// reported, and the dma-buf is no longer mapped afterwards (its `/dmabuf:NAME` mapping
    /// is gone from /proc/self/maps); a second access works.
    @Test func aFailedSyncEndIsReportedAndTheMappingReleased() throws {
        let buffer = try heap("system").allocateUnique(byteCount: 8192)
        try buffer.setName("hw-lab-sync-end")
        let mapped = { (ProcFiles.read("/proc/self/maps") ?? "").contains("hw-lab-sync-end") }
        var mappedInside = false
        let (error, script) = Mocking.with(rules: [.fail(.dmaBufSync, with: .noMemory, when: FunnelMockingTests.isEnd)]) { () -> LinuxError? in
            do { try buffer.withCPUAccess(.write) { bytes in mappedInside = mapped(); bytes[0] = 7 }; return nil }
            catch { return error as? LinuxError }
        }
        #expect(mappedInside)
        #expect(error?.operation == .dmaBufSync && error?.errno == .noMemory)
        #expect(error?.message == "cache synchronisation (END) failed")
        #expect(script.unused == 0)
        #expect(script.records.first { $0.call == .dmaBufSync }?.mocked == nil, "START reached the kernel")
        #expect(!mapped())
        #expect(try buffer.withCPUAccess(.read) { $0[0] } == 7)
    }

    @Test func cmaHeapIsReportedContiguousWithItsSize() throws {
        let reserved = try #require(KernelLab.heap(named: "reserved"))
        #expect(reserved.kind == .cma)
        #expect(reserved.contiguous)
        #expect((reserved.capacity ?? 0) >= 64 << 20)
        let buffer = try DMAHeap(reserved).allocate(byteCount: 1 << 20)
        #expect(try buffer.info().exporter == KernelLab.exporter(ofHeap: "reserved"))
    }

    /// Exhausting the CMA area gives ENOMEM as a typed error naming the remedy, and the
    /// plan allocator then falls back to the system heap.
    @Test func cmaExhaustionFallsBackToTheSystemHeap() throws {
        // Plan while CMA is free: the live catalog's free count would steer the resolver away.
        let device = try ProfileParser.parse("name: cam\nheaps: [cma, system]\nusages: { write: { formats: [NV12] } }")
        let catalog = HeapDiscovery.catalog()
        let pipeline = Pipeline(width: 1920, height: 1080, count: 2, participants: [Participant(device: device, usage: device.usages[0])])
        let plan = try #require(Resolver(catalog: catalog).resolve(pipeline).chosen)
        #expect(plan.heap.name == "reserved")
        let reserved = try heap("reserved")
        var hoard: [DMABuf] = []
        var exhaustion: LinuxError?
        while exhaustion == nil && hoard.count < 1024 {
            do {
                hoard.append(try reserved.allocate(byteCount: 4 << 20))
            } catch {
                exhaustion = error
            }
        }
        let error = try #require(exhaustion, "the CMA area never ran out")
        #expect(error.code == .outOfMemory)
        #expect(error.description.contains("/dev/dma_heap/reserved"))
        #expect(error.remedy?.contains("cma=") == true)

        let result = try PlanAllocator().allocate(plan, count: 2, catalog: catalog)
        #expect(result.heap.name == "system")
        // 5.10's ION has a CMA heap on the same area, tried next (KernelIONTests).
        #expect(result.failedAttempts.map(\.heap) == ["reserved"] + (KernelLab.has(.ion) ? ["ion:reserved"] : []))
        hoard.removeAll()
        // With the hoard released, CMA serves again.
        #expect(try PlanAllocator().allocate(plan, count: 2, catalog: catalog).heap.name == "reserved")
    }

    @Test func udmabufAllocatesAndMaps() throws {
        let buffer = try Udmabuf().allocate(byteCount: 3 * 4096 + 1)
        #expect(buffer.size == 4 * 4096)
        #expect(try buffer.info().exporter == "udmabuf")
        try buffer.withCPUAccess(.readWrite) { bytes in
            bytes[0] = 0xAB
            bytes[bytes.count - 1] = 0xCD
        }
        #expect(try buffer.withCPUAccess(.read) { [$0[0], $0[$0.count - 1]] } == [0xAB, 0xCD])
    }

    /// Negative offsets and empty sizes are the caller's mistake, reported before the kernel
    /// (converting them to the uapi's unsigned fields would trap).
    @Test func udmabufRefusesImpossibleRanges() throws {
        let memfd = try Memfd.create(length: 8192, sealable: true, name: "ranges")
        for (offset, size) in [(-4096, 4096), (0, 0), (0, -4096)] {
            let error = #expect(throws: LinuxError.self) { try Udmabuf().create(fromMemfd: memfd.rawValue, offset: offset, size: size) }
            #expect(error?.code == .invalidLength && error?.operation == .udmabufCreate, "offset \(offset), size \(size)")
        }
    }

    @Test func udmabufRefusesAMemfdWithoutShrinkSeal() throws {
        let memfd = try Memfd.create(length: 8192, sealable: true, name: "unsealed")
        do {
            _ = try Udmabuf().create(fromMemfd: memfd.rawValue, offset: 0, size: 8192)
            Issue.record("udmabuf accepted a memfd without F_SEAL_SHRINK")
        } catch {
            #expect(error.errno == .invalidArgument)
            #expect(error.remedy?.contains("F_SEAL_SHRINK") == true)
        }
    }

    @Test func udmabufSizeLimitIsEnforcedWithAClearError() throws {
        // 6.1 and later have size_limit_mb as a module parameter; 5.10 has the same 64 MiB as a constant.
        #expect(Udmabuf.isLimitAdjustable == KernelLab.has(.udmabufLimitParameters))
        let limit = try #require(Udmabuf.sizeLimit, "udmabuf's size_limit_mb is known")
        #expect(limit == 64 << 20, "the lab boots udmabuf with its default limit")
        do {
            _ = try Udmabuf().allocate(byteCount: limit + 4096)
            Issue.record("udmabuf allocated past its limit")
        } catch {
            #expect(error.code == .limitExceeded)
            #expect(error.description.contains("size_limit_mb"))
        }
    }

    @Test func tenThousandCyclesLeakNoDescriptor() throws {
        let system = try heap("system")
        let before = KernelLab.openDescriptorCount()
        for _ in 0..<10_000 {
            let buffer = try system.allocate(byteCount: 4096)
            buffer.close()
        }
        for _ in 0..<10_000 {
            let buffer = try system.allocateUnique(byteCount: 4096)
            buffer.close()
        }
        #expect(KernelLab.openDescriptorCount() == before)
    }

    /// A uniquely owned buffer from each kind of allocator is a real dma-buf that can be
    /// named, mapped and then shared without a second close.
    @Test(arguments: ["system", "reserved", "udmabuf"])
    func uniqueBuffersAreRealDMABufs(_ name: String) throws {
        let allocator: BufferAllocator = name == "udmabuf" ? try Udmabuf() : try heap(name)
        defer { withExtendedLifetime(allocator) {} }  // its node stays open while fds are counted
        let before = KernelLab.openDescriptorCount()
        let buffer = try allocator.allocateUnique(byteCount: 3 * 4096 + 1)
        let (size, isDMABuf) = (buffer.size, buffer.isDMABuf)
        #expect(size == 4 * 4096 && isDMABuf)
        try buffer.setName("unique-\(name)")
        let info = try buffer.info()
        #expect(info.name == "unique-\(name)")
        #expect(info.exporter == (name == "udmabuf" ? "udmabuf" : KernelLab.exporter(ofHeap: name)))
        try buffer.withCPUAccess(.write) { $0[$0.count - 1] = 0xEE }
        let shared = DMABuf(buffer)
        #expect(try shared.withCPUAccess(.read) { $0[$0.count - 1] } == 0xEE)
        #expect(try shared.info().name == "unique-\(name)")
        #expect(KernelLab.openDescriptorCount() == before + 1, "sharing neither closed nor duplicated it")
        shared.close()
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func discoveryFindsTheLabHeaps() throws {
        let found = HeapDiscovery.discover()
        #expect(found.map(\.heap.name).contains("system"))
        #expect(found.map(\.heap.name).contains("reserved"))
        #expect(found.contains { $0.heap.kind == .udmabuf })
        #expect(found.allSatisfy { $0.accessible })
        #expect(HeapDiscovery.catalog().origin.hasPrefix("live"))
    }
}

extension KernelHeapTests {
    /// Importing a heap buffer's fd gives a second handle on the same dma-buf.
    @Test func importingADMABufKeepsItsIdentity() throws {
        let original = try heap("system").allocate(byteCount: 3 * 4096)
        let imported = try DMABuf(importing: original.fd)
        #expect(imported.fd != original.fd)
        #expect(imported.size == original.size)
        #expect(try imported.inode() == original.inode())
        #expect(try imported.info().exporter == KernelLab.exporter(ofHeap: "system"))
    }
}

/// The README's "Allocating from Swift" example, as written there, against the lab's system heap.
@Suite(.enabled(if: KernelLab.active, "needs the kernel lab (HEAPWISE_LAB=1)"))
struct ReadmeExampleTests {
    @Test func allocatingFromSwiftRunsAsDocumented() throws {
        let heap = try DMAHeap(Heap(name: "system", kind: .system, addressBits: 64))  // the kind's defaults
        let frame = try heap.allocateUnique(byteCount: 640 * 480 * 4)   // rounded up to whole pages
        try frame.setName("camera-0")                                    // DMA_BUF_SET_NAME
        try frame.withCPUAccess(.write) { bytes in bytes.copyBytes(from: repeatElement(0x80, count: bytes.count)) }
        let shared = DMABuf(frame)     // `frame` is consumed; `shared` now owns the descriptor
        shared.withUnsafeDescriptor { fd in /* hand fd to another API for the length of this call */ }
        #expect(try shared.info().name == "camera-0")
        #expect(try shared.withCPUAccess(.read) { $0.allSatisfy { $0 == 0x80 } })
    }

    /// The README's "Buffer pools" example, as written there (after the example above's `heap`).
    @Test func bufferPoolsRunAsDocumented() throws {
        let heap = try DMAHeap(Heap(name: "system", kind: .system, addressBits: 64))
        let pool = BufferPool()                       // caps: 16 idle per list, 64 overall, 60 s idle
        let camera = PoolOwner(1), encoder = PoolOwner(2)
        let frame = try pool.acquire(from: heap, byteCount: 1920 * 1080 * 2, owner: camera)
        try frame.withCPUAccess(.write) { bytes in /* fill */ }   // DMA_BUF_IOCTL_SYNC around the kept mapping
        frame.release()                               // or release(keepContents: true)
        let next = try pool.acquire(from: heap, byteCount: 1920 * 1080 * 2, owner: encoder)  // same buffer, zeroed
        #expect(next.reused && next.inode == frame.inode)
        #expect(try next.withCPUAccess(.read) { $0.allSatisfy { $0 == 0 } })
        next.release()
    }
}
