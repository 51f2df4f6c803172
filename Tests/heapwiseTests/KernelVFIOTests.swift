import Foundation
import Glibc
import HeapwiseCore
import HeapwiseLinux
import HeapwiseLoading
import Testing

/// Device address spaces on real hardware, as far as an emulator gives it: two QEMU edu
/// devices behind the emulated VT-d IOMMU, bound to vfio-pci by the lab's payload, each in a
/// VFIO container of its own, so each has its own IOVA space that Heapwise's model fills.
/// Lab/run.sh puts device A (28-bit DMA mask) at 00:08.0 and device B (32-bit) at 00:09.0.
@Suite(.enabled(if: JSONOutputTests.inLab, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelVFIOTests {
    static let deviceA = "0000:00:08.0"
    static let deviceB = "0000:00:09.0"
    static let pipelineFile = JSONOutputTests.repository + "/lab/edu-a-to-b.yaml"

    /// The pipeline, its plan on this machine's heaps, and each device's IOVA width from its profile.
    static func plan() throws -> (plan: Plan, bitsA: Int, bitsB: Int) {
        let pipeline = try Loader.pipeline(pipelineFile)
        let resolution = Resolver(catalog: HeapDiscovery.catalog()).resolve(pipeline)
        let plan = try #require(resolution.chosen, "edu-a → edu-b has a plan: \(resolution.rejected.map(\.description))")
        let bits = pipeline.participants.map { $0.device.constraints.iovaBits }
        return (plan, try #require(bits[0]), try #require(bits[1]))
    }

    @Test func twoDevicesSeeOneBufferAtTheirOwnIOVAsAndAnUnmappedIOVAFaults() throws {
        let (plan, bitsA, bitsB) = try Self.plan()
        let frame = plan.layout.size
        #expect(plan.format.name == "R8" && frame == 64 * 32 && frame <= EduDevice.largestTransfer)
        // The plan's own accounting of both spaces: two buffers, one 4 KiB page each.
        #expect(plan.iovaFootprints.map(\.device) == ["edu-a", "edu-b"])
        #expect(plan.iovaFootprints.allSatisfy { $0.buffers == 2 && $0.bytes == 2 * 4096 && $0.granule == 4096 })
        #expect(plan.iovaFootprints.map(\.space) == [1 << 28, 1 << 32])
        let a = try VFIOAddressSpace(pciAddress: Self.deviceA, addressBits: bitsA)
        let b = try VFIOAddressSpace(pciAddress: Self.deviceB, addressBits: bitsB)
        print("vfio-lab: \(Self.deviceA) group \(a.iommuGroup): reported \(a.reported); within its mask \(a.space)")
        print("vfio-lab: \(Self.deviceB) group \(b.iommuGroup): within its mask \(b.space)")
        #expect(a.iommuGroup != b.iommuGroup, "each edu device has its own IOMMU group")
        #expect(a.reported.granule == 4096 && a.reported.pageSizes.contains(2 << 20), "VT-d maps 4 KiB pages and 2 MiB blocks")
        #expect(a.reported.ranges.count >= 2, "the kernel reports the MSI window as a hole: \(a.reported)")
        #expect(a.space.limit == 1 << 28 && b.space.limit <= 1 << 32)

        // Host memory: the pattern's source (A only), the shared frame (both), a victim page
        // only A maps, and B's result. Pinned into both spaces before udmabuf exports the frame.
        let source = try HostMemory(length: frame), shared = try HostMemory(length: frame)
        let victim = try HostMemory(length: frame), result = try HostMemory(length: frame)
        let pattern = (0..<frame).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        source.bytes.copyBytes(from: pattern)
        victim.bytes.initializeMemory(as: UInt8.self, repeating: 0x5a)
        let regionsA = [VFIOAddressSpace.Region(id: 1, memory: source), .init(id: 2, memory: shared), .init(id: 3, memory: victim)]
        let regionsB = [VFIOAddressSpace.Region(id: 2, memory: shared), .init(id: 4, memory: result)]
        #expect(try a.bind(regionsA, batch: 1) == .bound(mapped: [1, 2, 3], evicted: []))
        #expect(try b.bind(regionsB, batch: 1) == .bound(mapped: [2, 4], evicted: []))
        let sharedA = try #require(a.iova(of: 2)), sharedB = try #require(b.iova(of: 2))
        let victimA = try #require(a.iova(of: 3)), resultB = try #require(b.iova(of: 4)), sourceA = try #require(a.iova(of: 1))
        print("vfio-lab: the shared frame is at IOVA \(sharedA) for A and \(sharedB) for B; A's victim page at \(victimA) is unmapped for B")
        #expect(sharedA.start != sharedB.start, "one memory, a different address in each device's space")
        #expect([sourceA, sharedA, victimA].allSatisfy { $0.end <= 1 << 28 } && [sharedB, resultB].allSatisfy { $0.end <= 1 << 32 })
        let udmabuf = try Udmabuf()
        let frameBuffer = try shared.export(through: udmabuf)

        // A copies the pattern into the shared frame; B copies the frame out to its result.
        let eduA = try EduDevice(a), eduB = try EduDevice(b)
        try eduA.read(from: sourceA.start, count: frame)
        try eduA.write(to: sharedA.start, count: frame)
        try eduB.read(from: sharedB.start, count: frame)
        try eduB.write(to: resultB.start, count: frame)
        let seen = try DMABuf(frameBuffer).withCPUAccess(.read) { Array($0.prefix(frame)) }
        #expect(seen == pattern, "device A's write is in the dma-buf, as the CPU sees it through DMA_BUF_IOCTL_SYNC")
        #expect(Array(result.bytes.prefix(frame)) == pattern, "device B read the frame at its own IOVA and wrote it out")
        print("vfio-lab: A wrote \(frame) bytes at \(IOVA.hex(sharedA.start)), B read them at \(IOVA.hex(sharedB.start)): CPU verified")

        // B writes to an IOVA mapped only in A's space: the IOMMU refuses and reports it.
        let log = try KernelLog()
        try eduB.write(to: victimA.start, count: frame)
        let messages = log.wait(seconds: 10) { $0.contains("DMAR") && $0.contains("fault addr") }
        let fault = messages.first { $0.contains("DMAR") && $0.contains("fault addr") }
        #expect(fault != nil, "a DMAR fault is logged: \(messages)")
        #expect(fault?.contains("00:09.0") == true, "the fault names device B: \(fault ?? "none")")
        #expect(victim.bytes.allSatisfy { $0 == 0x5a }, "the page behind A's IOVA is untouched")
        #expect(Array(result.bytes.prefix(frame)) == pattern && Array(shared.bytes.prefix(frame)) == pattern, "and nothing else changed")
        print("vfio-lab: B's write to unmapped IOVA \(IOVA.hex(victimA.start)): \(fault ?? "no fault"); memory untouched")

        // Pinned while batch 1 is in flight; a stray completion of another batch changes nothing.
        #expect(throws: LinuxError.self) { try a.unmap(3) }
        a.complete(batch: 7)
        #expect(throws: LinuxError.self) { try a.unmap(3) }
        a.complete(batch: 1)
        b.complete(batch: 1)
        #expect(try a.unmap(3) && !a.unmap(3), "unmapping twice: the second finds nothing")
        // The kernel agrees: the victim's IOVA maps again (EEXIST if it were still there).
        let again = try HostMemory(length: frame)
        #expect(try a.bind([.init(id: 5, memory: again)], batch: 2) == .bound(mapped: [5], evicted: []))
        #expect(a.iova(of: 5) == victimA)
    }

    @Test func aBatchTooBigForTheDevicesSpaceIsRefusedWholeWithTheNumbers() throws {
        let (_, bitsA, _) = try Self.plan()
        let a = try VFIOAddressSpace(pciAddress: Self.deviceA, addressBits: bitsA)
        // Three 100 MiB buffers for a 256 MiB space. The memfds are sized, not touched: no
        // page exists until a device mapping would pin it, and none is made.
        let big = try (0..<3).map { _ in try HostMemory(length: 100 << 20) }
        let regions = big.enumerated().map { VFIOAddressSpace.Region(id: UInt64($0.offset + 1), memory: $0.element) }
        do {
            _ = try a.bind(regions, batch: 1)
            Issue.record("300 MiB was bound into a 256 MiB space")
        } catch {
            print("vfio-lab: refused: \(error)")
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("300 MiB") && error.message.contains("256 MiB"), "the numbers: \(error.message)")
        }
        #expect(regions.allSatisfy { a.iova(of: $0.id) == nil })
        // The kernel agrees nothing is mapped: a page at the lowest IOVA maps (EEXIST otherwise).
        let probe = try HostMemory(length: 4096)
        #expect(try a.bind([.init(id: 9, memory: probe)], batch: 2) == .bound(mapped: [9], evicted: []))
        #expect(a.iova(of: 9)?.start == 0)
    }

    @Test func whenTheKernelRefusesOneMappingTheBatchsOthersAreUnmapped() throws {
        let (_, bitsA, _) = try Self.plan()
        let a = try VFIOAddressSpace(pciAddress: Self.deviceA, addressBits: bitsA)
        let host = try HostMemory(length: 4096)
        // Memory VFIO type1 cannot pin on any kernel: a PROT_NONE page (pin_user_pages fails,
        // EFAULT). (A dma-buf heap's CPU mapping is unpinnable on 6.1, a PFN mapping, but not
        // on 5.10, whose heap-helpers fault in ordinary pages.)
        let unpinnable = mmap(nil, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        try #require(unpinnable != MAP_FAILED)
        defer { munmap(unpinnable, 4096) }
        let regions = [VFIOAddressSpace.Region(id: 1, memory: host),
                       .init(id: 2, address: UnsafeRawPointer(try #require(unpinnable)), bytes: 4096)]
        do {
            _ = try a.bind(regions, batch: 1)
            Issue.record("VFIO mapped a PROT_NONE page")
        } catch let error as LinuxError {
            print("vfio-lab: refused: \(error)")
            #expect(error.errno == .badAddress && error.message.contains("nothing of batch 1 is left mapped"))
            #expect(error.remedy?.contains("udmabuf") == true)
        }
        #expect(a.iova(of: 1) == nil && a.iova(of: 2) == nil)
        // The host page the batch mapped first was unmapped in the kernel: the same IOVA maps again.
        #expect(try a.bind([.init(id: 3, memory: host)], batch: 2) == .bound(mapped: [3], evicted: []))
        #expect(a.iova(of: 3)?.start == 0)
    }
}
