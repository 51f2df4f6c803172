import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// One device's IOMMU address space, managed from userspace through VFIO type1: the
/// Heapwise model (`ResidencySpace`) chooses every IOVA, and `VFIO_IOMMU_MAP_DMA` makes the
/// kernel's IOMMU page tables say the same.
///
/// Opening it attaches the device's IOMMU group (`/dev/vfio/N`, the device bound to vfio-pci)
/// to a container of its own, so two devices have two separate spaces, and reads the space
/// from the kernel (`VFIO_IOMMU_GET_INFO`: usable ranges and page sizes) instead of
/// assuming one; the device's DMA mask then narrows it.
///
/// Binding is all or nothing, in the kernel as in the model: when the kernel refuses one
/// mapping of a batch, the batch's earlier mappings are unmapped and mappings evicted for it
/// are restored, so a failed bind leaves the IOMMU as it was.
public final class VFIOAddressSpace {
    public static let containerPath = "/dev/vfio/vfio"

    /// Memory to map: `bytes` at `address` in this process (a whole number of granules), with
    /// `alignment` asked of its IOVA. `owner` is kept alive while the region is mapped, so the
    /// address stays valid for as long as the space may map it again (restoring an eviction).
    public struct Region {
        public var id: UInt64
        public var address: UnsafeRawPointer
        public var bytes: UInt64
        public var alignment: UInt64
        public var owner: AnyObject?

        /// Memory the caller keeps mapped until it is unmapped from this space.
        public init(id: UInt64, address: UnsafeRawPointer, bytes: UInt64, alignment: UInt64 = 0, owner: AnyObject? = nil) {
            self.id = id
            self.address = address
            self.bytes = bytes
            self.alignment = alignment
            self.owner = owner
        }

        public init(id: UInt64, memory: HostMemory, alignment: UInt64 = 0) {
            self.init(id: id, address: UnsafeRawPointer(memory.address), bytes: UInt64(memory.length), alignment: alignment, owner: memory)
        }
    }

    /// One mapping the kernel holds: where, and what keeps its memory alive.
    private struct Mapping {
        var address: UnsafeRawPointer
        var range: IOVARange
        var owner: AnyObject?
    }

    public enum Binding: Hashable, Sendable {
        /// Every region is mapped and pinned for the batch: those newly mapped, those evicted.
        case bound(mapped: [UInt64], evicted: [UInt64])
        /// Mappings of in-flight batches hold the space: complete one and try again.
        case wait(needed: UInt64, free: UInt64)
    }

    public let pciAddress: String
    public let iommuGroup: Int
    /// The space as the kernel reported it, before the device's mask.
    public let reported: DeviceAddressSpace
    /// What is mapped where, within the device's DMA mask.
    public private(set) var residency: ResidencySpace
    public let device: VFIODevice

    private let container: Descriptor
    private let group: Descriptor
    /// The kernel's mappings: region and IOVA range, for unmapping and for restoring evictions.
    private var mappings: [UInt64: Mapping] = [:]
    /// Bound batches not yet completed, as the model pinned them.
    private var inFlight: [UInt64: Submission] = [:]
    /// Set when the kernel's mappings and the model may no longer agree (an unmap the kernel
    /// refused); every later bind and unmap is refused with it.
    private var damage: String?

    /// Attaches the device at `pciAddress` (`0000:00:03.0`, bound to vfio-pci) to a new
    /// container. `addressBits` is the device's DMA mask width, when it is narrower than
    /// the IOMMU's space.
    public init(pciAddress: String, addressBits: Int? = nil) throws(LinuxError) {
        guard Self.isPCIAddress(pciAddress) else {
            throw LinuxError(code: .invalidArgument, node: pciAddress, operation: .open,
                             message: "'\(pciAddress)' is not a PCI address", remedy: "give it as DOMAIN:BUS:DEVICE.FUNCTION, e.g. 0000:00:03.0 (lspci -D)")
        }
        self.pciAddress = pciAddress
        let groupLink = "/sys/bus/pci/devices/\(pciAddress)/iommu_group"
        guard case let .success(target) = Syscalls.readlink(groupLink),
              let number = target.split(separator: "/").last.flatMap({ Int($0) }) else {
            throw LinuxError(code: .notFound, node: groupLink, operation: .readlink,
                             message: "\(pciAddress) has no IOMMU group",
                             remedy: "the device must exist and sit behind an enabled IOMMU (intel_iommu=on, CONFIG_INTEL_IOMMU or the platform's IOMMU driver)")
        }
        iommuGroup = number
        let bindRemedy = "bind the device to vfio-pci: echo vfio-pci > /sys/bus/pci/devices/\(pciAddress)/driver_override, then echo \(pciAddress) > /sys/bus/pci/drivers_probe"
        container = try DeviceNodes.open(Self.containerPath, O_RDWR | O_CLOEXEC, message: "cannot open the VFIO container",
                                         missing: "the kernel needs CONFIG_VFIO and CONFIG_VFIO_IOMMU_TYPE1")
        let groupPath = "/dev/vfio/\(number)"
        group = try DeviceNodes.open(groupPath, O_RDWR | O_CLOEXEC, message: "cannot open IOMMU group \(number) of \(pciAddress)", missing: bindRemedy)
        let containerFD = container.rawValue, groupFD = group.rawValue

        guard case let .success(version) = Syscalls.vfioAPIVersion(containerFD), version == hw_VFIO_API_VERSION,
              case .success(true) = Syscalls.vfioCheckExtension(containerFD, hw_VFIO_TYPE1v2_IOMMU) else {
            throw LinuxError(code: .unsupported, node: Self.containerPath, operation: .vfioCheckExtension,
                             message: "this kernel's VFIO lacks API version \(hw_VFIO_API_VERSION) with the type1v2 IOMMU", remedy: "enable CONFIG_VFIO_IOMMU_TYPE1")
        }
        switch Syscalls.vfioGroupStatus(groupFD) {
        case let .success(flags) where flags & hw_VFIO_GROUP_FLAGS_VIABLE != 0: break
        case .success:
            throw LinuxError(code: .unsupported, node: groupPath, operation: .vfioGroupGetStatus,
                             message: "IOMMU group \(number) is not viable: another device in it is bound to a host driver",
                             remedy: "bind every device of /sys/kernel/iommu_groups/\(number)/devices to vfio-pci")
        case let .failure(errno): throw .from(errno, node: groupPath, operation: .vfioGroupGetStatus)
        }
        if case let .failure(errno) = Syscalls.vfioGroupSetContainer(groupFD, containerFD) {
            throw .from(errno, node: groupPath, operation: .vfioGroupSetContainer, message: "attaching IOMMU group \(number) to a container failed")
        }
        if case let .failure(errno) = Syscalls.vfioSetIOMMU(containerFD, hw_VFIO_TYPE1v2_IOMMU) {
            var error = LinuxError.from(errno, node: Self.containerPath, operation: .vfioSetIOMMU, message: "choosing the type1v2 IOMMU failed")
            if errno == .notPermitted {
                error.remedy = "without interrupt remapping VFIO refuses the IOMMU unless vfio_iommu_type1.allow_unsafe_interrupts=1"
            }
            throw error
        }
        reported = try Self.readSpace(containerFD)
        do {
            residency = ResidencySpace(try addressBits.map(reported.limited(toBits:)) ?? reported)
        } catch {
            throw LinuxError(code: .invalidArgument, node: pciAddress, operation: .vfioIOMMUGetInfo, message: "\(pciAddress): \(error)")
        }
        switch Syscalls.vfioDeviceFD(groupFD, name: pciAddress) {
        case let .success(fd): device = VFIODevice(pciAddress: pciAddress, adopting: Descriptor(adopting: fd))
        case let .failure(errno): throw .from(errno, node: groupPath, operation: .vfioGroupGetDeviceFD, message: "getting \(pciAddress) from its group failed")
        }
    }

    /// The space the device sees, within its mask.
    public var space: DeviceAddressSpace { residency.space }

    /// Where region `id` is mapped, if it is.
    public func iova(of id: UInt64) -> IOVARange? { residency.attachments[id]?.range }

    /// Maps every region of a batch (the ones not already mapped), evicting unpinned mappings
    /// least recently used first, and pins them until `complete`; or maps nothing.
    public func bind(_ regions: [Region], batch: UInt64) throws(LinuxError) -> Binding {
        try checkIntact(.vfioMapDMA)
        guard inFlight[batch] == nil else {
            throw LinuxError(code: .invalidArgument, node: pciAddress, operation: .vfioMapDMA,
                             message: "batch \(batch) is already bound and not completed", remedy: "complete it first, or give the new batch its own number")
        }
        let addresses = Dictionary(regions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for region in regions where region.bytes % space.granule != 0 {
            throw LinuxError(code: .invalidLength, node: pciAddress, operation: .vfioMapDMA,
                             message: "region \(region.id) is \(region.bytes) bytes, not a whole number of the IOMMU's \(ByteCount.format(Int(space.granule))) pages",
                             remedy: "allocate buffers in whole IOMMU pages (iommu_granule)")
        }
        var trial = residency
        let result: ResidencySpace.BindResult
        do {
            result = try trial.bind(Self.submission(regions, batch))
        } catch {
            throw LinuxError(code: .limitExceeded, node: pciAddress, operation: .vfioMapDMA, message: "batch \(batch): \(error)",
                             remedy: "nothing was mapped; bind it in smaller batches")
        }
        let mapped: [UInt64], evicted: [UInt64]
        switch result {
        case let .wait(needed, free): return .wait(needed: needed, free: free)
        case let .bound(newlyMapped, evictedForIt): (mapped, evicted) = (newlyMapped, evictedForIt)
        }
        var removed: [(UInt64, Mapping)] = []
        var added: [UInt64] = []
        do throws(LinuxError) {
            for id in evicted {
                guard let mapping = mappings[id] else { continue }
                try kernelUnmap(mapping.range)
                mappings[id] = nil
                removed.append((id, mapping))
            }
            for id in mapped {
                guard let range = trial.attachments[id]?.range, let region = addresses[id] else { continue }
                try kernelMap(region.address, range)
                mappings[id] = Mapping(address: region.address, range: range, owner: region.owner)
                added.append(id)
            }
        } catch {
            for id in added.reversed() {
                guard let mapping = mappings.removeValue(forKey: id) else { continue }
                do throws(LinuxError) {
                    try kernelUnmap(mapping.range)
                } catch {
                    mappings[id] = mapping
                    damage = "undoing batch \(batch), the kernel kept IOVA \(mapping.range) mapped (\(error.message))"
                }
            }
            for (id, mapping) in removed {
                if (try? kernelMap(mapping.address, mapping.range)) != nil {
                    mappings[id] = mapping
                } else {
                    // Could not be restored: the model forgets it too, so both agree it is unmapped.
                    _ = try? residency.detach(id)
                }
            }
            var failed = error
            failed.message += "; nothing of batch \(batch) is left mapped"
            throw failed
        }
        residency = trial
        inFlight[batch] = Self.submission(regions, batch)
        return .bound(mapped: mapped, evicted: evicted)
    }

    /// Bound batch `batch`'s work finished: its mappings stay (for reuse) but may be evicted.
    /// A batch that is not in flight (never bound, waiting, or completed already) changes
    /// nothing, so a stray completion cannot unpin another batch's buffers.
    public func complete(batch: UInt64) {
        guard let submission = inFlight.removeValue(forKey: batch) else { return }
        residency.complete(submission)
    }

    /// Unmaps region `id` (refused while an in-flight batch uses it); true if it was mapped.
    /// The model forgets the mapping only once the kernel has removed it.
    @discardableResult
    public func unmap(_ id: UInt64) throws(LinuxError) -> Bool {
        try checkIntact(.vfioUnmapDMA)
        guard let mapping = mappings[id] else { return false }
        var trial = residency
        do {
            _ = try trial.detach(id)
        } catch {
            throw LinuxError(code: .failed, node: pciAddress, operation: .vfioUnmapDMA, message: "\(error)")
        }
        try kernelUnmap(mapping.range)
        residency = trial
        mappings[id] = nil
        return true
    }

    private func checkIntact(_ operation: KernelCall) throws(LinuxError) {
        if let damage {
            throw LinuxError(code: .failed, node: pciAddress, operation: operation,
                             message: "the address space of \(pciAddress) no longer matches the kernel's: \(damage)",
                             remedy: "close this VFIOAddressSpace (closing the container unmaps everything) and open it again")
        }
    }

    private static func submission(_ regions: [Region], _ batch: UInt64) -> Submission {
        Submission(id: batch, client: 0, buffers: regions.map { MappableBuffer(id: $0.id, bytes: $0.bytes, alignment: $0.alignment) })
    }

    private func kernelMap(_ address: UnsafeRawPointer, _ range: IOVARange) throws(LinuxError) {
        if case let .failure(errno) = Syscalls.vfioMapDMA(container.rawValue, address: address, iova: range.start, size: range.length) {
            var error = LinuxError.from(errno, node: pciAddress, operation: .vfioMapDMA,
                                        message: "mapping \(ByteCount.format(Int(range.length))) at IOVA \(range) for \(pciAddress) failed")
            switch errno {
            case .badAddress:
                error.remedy = "VFIO pins memory through its CPU mapping and refuses PFN mappings such as a dma-buf heap's: map host memory (a memfd), exported through udmabuf afterwards"
            case .noMemory:
                error.remedy = "the pages could not be pinned: pin host memory before udmabuf holds it, and check RLIMIT_MEMLOCK"
            default: break
            }
            throw error
        }
    }

    /// Unmaps exactly `range`: the kernel must report that many bytes unmapped, or it and the
    /// model disagreed about what was there.
    private func kernelUnmap(_ range: IOVARange) throws(LinuxError) {
        switch Syscalls.vfioUnmapDMA(container.rawValue, iova: range.start, size: range.length) {
        case let .success(unmapped) where unmapped == range.length: return
        case let .success(unmapped):
            damage = "the kernel unmapped \(unmapped) bytes at IOVA \(range), where \(range.length) were mapped"
            throw LinuxError(code: .failed, node: pciAddress, operation: .vfioUnmapDMA, message: damage ?? "")
        case let .failure(errno):
            throw .from(errno, node: pciAddress, operation: .vfioUnmapDMA, message: "unmapping IOVA \(range) for \(pciAddress) failed")
        }
    }

    /// `VFIO_IOMMU_GET_INFO`, asked again with the size the kernel wants for its capabilities.
    private static func readSpace(_ container: Int32) throws(LinuxError) -> DeviceAddressSpace {
        var buffer = [UInt8](repeating: 0, count: Int(hw_VFIO_IOMMU_INFO_SIZE))
        for _ in 0..<3 {
            let needed: Int
            switch Syscalls.vfioIOMMUInfo(container, into: &buffer) {
            case let .success(size): needed = size
            case let .failure(errno): throw .from(errno, node: containerPath, operation: .vfioIOMMUGetInfo)
            }
            guard needed > buffer.count else { return try parseSpace(buffer) }
            guard needed <= 1 << 20 else {
                throw LinuxError(code: .failed, node: containerPath, operation: .vfioIOMMUGetInfo,
                                 message: "the IOMMU's information needs \(needed) bytes, more than the 1 MiB Heapwise reads")
            }
            buffer = [UInt8](repeating: 0, count: needed)
        }
        throw LinuxError(code: .failed, node: containerPath, operation: .vfioIOMMUGetInfo, message: "the IOMMU's information kept growing")
    }

    /// The space a `VFIO_IOMMU_GET_INFO` answer describes (internal for tests).
    static func parseSpace(_ buffer: [UInt8]) throws(LinuxError) -> DeviceAddressSpace {
        let max = 64
        var first = [UInt64](repeating: 0, count: max), last = [UInt64](repeating: 0, count: max)
        var pageSizes: UInt64 = 0, count: Int32 = 0
        let parsed = buffer.withUnsafeBytes { hw_vfio_parse_iova_ranges($0.baseAddress, UInt32($0.count), &pageSizes, &first, &last, Int32(max), &count) }
        guard parsed >= 0 else {
            throw LinuxError(code: .failed, node: containerPath, operation: .vfioIOMMUGetInfo, message: "the kernel's IOMMU information is malformed (a capability points outside it)")
        }
        // No IOVA-range capability (kernels before 5.4) means the whole 64-bit space; one that
        // lists no range means no usable address, which DeviceAddressSpace refuses.
        let ranges = parsed == 0 ? [(first: UInt64(0), last: UInt64.max)] : (0..<Int(count)).map { (first: first[$0], last: last[$0]) }
        do {
            return try DeviceAddressSpace(reportedRanges: ranges, pageSizeBitmap: pageSizes)
        } catch {
            throw LinuxError(code: .failed, node: containerPath, operation: .vfioIOMMUGetInfo, message: "the IOMMU reported an unusable space: \(error)")
        }
    }

    /// `DOMAIN:BUS:DEVICE.FUNCTION` in hex, the only form sysfs and VFIO name devices by
    /// (and nothing that could walk out of `/sys/bus/pci/devices`).
    static func isPCIAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2 else { return false }
        let slot = parts[2].split(separator: ".", omittingEmptySubsequences: false)
        guard slot.count == 2, slot[0].count == 2, slot[1].count == 1 else { return false }
        return [parts[0], parts[1], slot[0], slot[1]].allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
