import CHeapwiseLinux
import SystemPackage

extension V4L2Stream {
    /// The size of each memory plane of driver-allocated buffer `index`, as the driver
    /// allocated it. The corresponding ioctl is `VIDIOC_QUERYBUF`.
    public func planeLengths(_ index: Int) throws(LinuxError) -> [Int] {
        var buf = hw_v4l2_buf()
        buf.type = type.rawValue
        buf.memory = memory.rawValue
        buf.index = UInt32(clamping: index)
        buf.num_planes = type.isMultiPlanar ? UInt32(HW_V4L2_MAX_PLANES) : 1
        if case let .failure(errno) = Syscalls.v4l2Buffer(fd, .vidiocQueryBuffer, &buf) {
            throw device.error(errno, .vidiocQueryBuffer, "querying \(type) buffer \(index) of \(device.path) failed")
        }
        return withUnsafeBytes(of: buf.planes) { raw in
            raw.bindMemory(to: hw_v4l2_plane.self).prefix(Int(buf.num_planes)).map { Int($0.length) }
        }
    }

    /// Exports plane `plane` of the driver's buffer `index` as a dma-buf that any other
    /// device (or the CPU, through `withCPUAccess`) can use; its fdinfo names the driver's
    /// videobuf2 allocator (`videobuf2_vmalloc`, `videobuf2_dma_contig`, `videobuf2_dma_sg`).
    /// The buffer stays valid after `release()` for as long as the dma-buf is open.
    /// Only MMAP streams have driver buffers to export.
    /// The corresponding ioctl is `VIDIOC_EXPBUF` (with `O_RDWR | O_CLOEXEC`).
    public func export(_ index: Int, plane: Int = 0) throws(LinuxError) -> DMABuf {
        guard memory == .mmap else {
            throw LinuxError(code: .invalidArgument, node: device.path, operation: .vidiocExportBuffer,
                             message: "only driver-allocated (MMAP) buffers can be exported; this stream imports dma-bufs")
        }
        let lengths = try planeLengths(index)
        guard lengths.indices.contains(plane) else {
            throw LinuxError(code: .invalidArgument, node: device.path, operation: .vidiocExportBuffer,
                             message: "\(type) buffer \(index) has \(lengths.count) planes; there is no plane \(plane)")
        }
        let result = Syscalls.v4l2ExportBuffer(fd, type: type.rawValue, index: UInt32(clamping: index), plane: UInt32(clamping: plane))
        switch result {
        case let .success(exported):
            return DMABuf(adopting: Descriptor(adopting: exported), size: lengths[plane], origin: "\(device.path) \(type) buffer \(index) plane \(plane)")
        case let .failure(errno):
            throw device.error(errno, .vidiocExportBuffer, "exporting \(type) buffer \(index) plane \(plane) of \(device.path) failed")
        }
    }
}
