import CHeapwiseLinux
import Glibc
import SystemPackage

// MARK: VFIO

/// The VFIO type1 ioctls (`include/uapi/linux/vfio.h`) and the region reads and writes of a
/// VFIO device, in the funnel like every other call.
extension Syscalls {
    static func vfioAPIVersion(_ container: Int32) -> Result<Int32, Errno> {
        call(.vfioGetAPIVersion, [Int(container)]) { hw_vfio_get_api_version(container) }
    }

    /// Whether the container supports the IOMMU type `extension` (a positive answer).
    static func vfioCheckExtension(_ container: Int32, _ iommuType: UInt) -> Result<Bool, Errno> {
        call(.vfioCheckExtension, [Int(container), Int(iommuType)]) { hw_vfio_check_extension(container, iommuType) }
            .map { $0 > 0 }
    }

    static func vfioGroupStatus(_ group: Int32) -> Result<UInt32, Errno> {
        var flags: UInt32 = 0
        return call(.vfioGroupGetStatus, [Int(group)]) { hw_vfio_group_get_status(group, &flags) }.map { _ in flags }
    }

    static func vfioGroupSetContainer(_ group: Int32, _ container: Int32) -> Result<Void, Errno> {
        perform(.vfioGroupSetContainer, [Int(group), Int(container)]) { hw_vfio_group_set_container(group, container) }
    }

    static func vfioSetIOMMU(_ container: Int32, _ type: UInt) -> Result<Void, Errno> {
        perform(.vfioSetIOMMU, [Int(container), Int(type)]) { hw_vfio_set_iommu(container, type) }
    }

    static func vfioDeviceFD(_ group: Int32, name: String) -> Result<Int32, Errno> {
        call(.vfioGroupGetDeviceFD, [Int(group)]) { hw_vfio_group_get_device_fd(group, name) }
    }

    /// One `VFIO_IOMMU_GET_INFO` into `buffer`; returns the argsz the kernel wants, which is
    /// larger than the buffer when its capabilities did not fit.
    static func vfioIOMMUInfo(_ container: Int32, into buffer: inout [UInt8]) -> Result<Int, Errno> {
        var needed: UInt32 = 0
        return call(.vfioIOMMUGetInfo, [Int(container), buffer.count]) {
            buffer.withUnsafeMutableBytes { hw_vfio_iommu_get_info(container, $0.baseAddress, UInt32($0.count), &needed) }
        }.map { _ in Int(needed) }
    }

    static func vfioRegionInfo(_ device: Int32, index: UInt32) -> Result<(size: UInt64, offset: UInt64, flags: UInt32), Errno> {
        var size: UInt64 = 0, offset: UInt64 = 0, flags: UInt32 = 0
        return call(.vfioDeviceGetRegionInfo, [Int(device), Int(index)]) {
            hw_vfio_device_region_info(device, index, &size, &offset, &flags)
        }.map { _ in (size, offset, flags) }
    }

    /// `VFIO_IOMMU_MAP_DMA`: the pages at `address` (pinned by the kernel) become visible to
    /// the container's devices at `iova`, readable and writable.
    static func vfioMapDMA(_ container: Int32, address: UnsafeRawPointer, iova: UInt64, size: UInt64) -> Result<Void, Errno> {
        perform(.vfioMapDMA, [Int(container), Int(bitPattern: UInt(iova)), Int(size)]) {
            hw_vfio_map_dma(container, address, iova, size)
        }
    }

    /// `VFIO_IOMMU_UNMAP_DMA`: the bytes that were mapped in the range (0 when none were).
    static func vfioUnmapDMA(_ container: Int32, iova: UInt64, size: UInt64) -> Result<UInt64, Errno> {
        var unmapped: UInt64 = 0
        return call(.vfioUnmapDMA, [Int(container), Int(bitPattern: UInt(iova)), Int(size)]) {
            hw_vfio_unmap_dma(container, iova, size, &unmapped)
        }.map { _ in unmapped }
    }

    /// `pread(2)` of exactly `buffer.count` bytes at `offset` (a device region: one access).
    static func pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, offset: UInt64) -> Result<Int, Errno> {
        system(.pread, [Int(fd), buffer.count, Int(bitPattern: UInt(offset))], failed: { $0 < 0 }) {
            Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(Int64(bitPattern: offset)))
        }
    }

    static func pwrite(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, offset: UInt64) -> Result<Int, Errno> {
        system(.pwrite, [Int(fd), buffer.count, Int(bitPattern: UInt(offset))], failed: { $0 < 0 }) {
            Glibc.pwrite(fd, buffer.baseAddress, buffer.count, off_t(Int64(bitPattern: offset)))
        }
    }
}
