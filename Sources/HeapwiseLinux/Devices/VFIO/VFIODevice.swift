import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// A PCI device handed to userspace by vfio-pci (`VFIO_GROUP_GET_DEVICE_FD`): its regions
/// (BARs, config space) are read and written at offsets of the device fd, one access per
/// call, so a 4-byte register write is one 4-byte MMIO write on the device.
public final class VFIODevice {
    public let pciAddress: String
    private let fd: Descriptor

    /// A region of the device fd: `VFIO_PCI_BAR0_REGION_INDEX` … and the config space.
    public struct Region: Hashable, Sendable {
        public let index: UInt32
        public let size: UInt64
        public let offset: UInt64
    }

    init(pciAddress: String, adopting fd: consuming Descriptor) {
        self.pciAddress = pciAddress
        self.fd = fd
    }

    /// `VFIO_DEVICE_GET_REGION_INFO`.
    public func region(_ index: UInt32) throws(LinuxError) -> Region {
        switch Syscalls.vfioRegionInfo(fd.rawValue, index: index) {
        case let .success(info):
            guard info.size > 0, info.flags & hw_VFIO_REGION_INFO_FLAG_READ != 0, info.flags & hw_VFIO_REGION_INFO_FLAG_WRITE != 0 else {
                throw LinuxError(code: .unsupported, node: pciAddress, operation: .vfioDeviceGetRegionInfo,
                                 message: "region \(index) of \(pciAddress) is empty or not readable and writable")
            }
            return Region(index: index, size: info.size, offset: info.offset)
        case let .failure(errno):
            throw .from(errno, node: pciAddress, operation: .vfioDeviceGetRegionInfo, message: "reading region \(index) of \(pciAddress) failed")
        }
    }

    /// The PCI configuration space (`VFIO_PCI_CONFIG_REGION_INDEX`).
    public func configSpace() throws(LinuxError) -> Region { try region(hw_VFIO_PCI_CONFIG_REGION_INDEX) }

    /// One read of a register of `T`'s width (little-endian, as PCI is).
    public func read<T: FixedWidthInteger>(_ type: T.Type, _ region: Region, at offset: UInt64) throws(LinuxError) -> T {
        try check(region, offset, MemoryLayout<T>.size)
        var value = T.zero
        let result = withUnsafeMutableBytes(of: &value) { Syscalls.pread(fd.rawValue, into: $0, offset: region.offset + offset) }
        try complete(result, .pread, region, offset, MemoryLayout<T>.size)
        return T(littleEndian: value)
    }

    /// One write of a register of `T`'s width.
    public func write<T: FixedWidthInteger>(_ value: T, _ region: Region, at offset: UInt64) throws(LinuxError) {
        try check(region, offset, MemoryLayout<T>.size)
        var little = value.littleEndian
        let result = withUnsafeBytes(of: &little) { Syscalls.pwrite(fd.rawValue, $0, offset: region.offset + offset) }
        try complete(result, .pwrite, region, offset, MemoryLayout<T>.size)
    }

    /// Sets Memory Space and Bus Master Enable in the command register (config offset 4):
    /// without bus mastering the device's DMA never reaches memory. vfio-pci leaves it to
    /// the user, as a driver's `pci_set_master` would.
    public func enableBusMastering() throws(LinuxError) {
        let config = try configSpace()
        let command = try read(UInt16.self, config, at: 4)
        try write(command | 0x2 | 0x4, config, at: 4)
    }

    private func check(_ region: Region, _ offset: UInt64, _ width: Int) throws(LinuxError) {
        guard offset % UInt64(width) == 0, offset < region.size, region.size - offset >= UInt64(width) else {
            throw LinuxError(code: .invalidArgument, node: pciAddress, operation: .pread,
                             message: "offset \(IOVA.hex(offset)) (\(width) bytes) is outside region \(region.index) of \(pciAddress) (\(region.size) bytes) or unaligned")
        }
    }

    private func complete(_ result: Result<Int, Errno>, _ call: KernelCall, _ region: Region, _ offset: UInt64, _ width: Int) throws(LinuxError) {
        switch result {
        case let .success(count) where count == width: return
        case let .success(count):
            throw LinuxError(code: .failed, node: pciAddress, operation: call,
                             message: "\(call) of \(width) bytes at \(IOVA.hex(offset)) of region \(region.index) moved \(count)")
        case let .failure(errno):
            throw .from(errno, node: pciAddress, operation: call, message: "\(call) at \(IOVA.hex(offset)) of region \(region.index) of \(pciAddress) failed")
        }
    }
}
