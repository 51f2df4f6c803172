import SystemPackage

extension V4L2Stream {
    /// Explains a refused `VIDIOC_QBUF`: the driver's errno alone (almost always EINVAL)
    /// does not say whether the size, the plane count or the fd was wrong, so the error
    /// puts what Heapwise passed next to what the driver's format demands.
    func queueError(_ errno: Errno, index: Int) -> LinuxError {
        var error = device.error(errno, .vidiocQueueBuffer, "\(device.path) refused \(type) buffer \(index)")
        let demanded = format.planes.map(\.sizeImage)
        let needs = "the driver's format \(format.width)x\(format.height) '\(format.pixelFormat)' has "
            + "\(demanded.count) memory plane\(demanded.count == 1 ? "" : "s") needing sizeimage \(demanded.map(String.init).joined(separator: " + "))"
        guard memory == .dmabuf, buffers.indices.contains(index) else {
            error.message += ": \(needs)"
            return error
        }
        let planes = buffers[index]
        let passed = planes.map { "\($0.size) bytes from \($0.origin)" }.joined(separator: ", ")
        error.message += ": Heapwise passed \(planes.count) dma-buf\(planes.count == 1 ? "" : "s") (\(passed)); \(needs)"
        if planes.count != demanded.count {
            error.remedy = "pass one dma-buf per memory plane: \(demanded.count) for '\(format.pixelFormat)'"
        } else if let p = planes.indices.first(where: { planes[$0].size < demanded[$0] }) {
            error.remedy = "plane \(p) is \(planes[p].size) bytes but the driver needs at least \(demanded[p]) (sizeimage): allocate for the format VIDIOC_S_FMT returned"
        } else if let p = planes.indices.first(where: { !planes[$0].isDMABuf }) {
            error.remedy = "plane \(p) (\(planes[p].origin)) is not a dma-buf: allocate from a dma-buf heap or udmabuf"
        } else if errno == .invalidArgument {
            error.remedy = "the sizes match, so the driver refused the fd itself: a closed or revoked descriptor, or a dma-buf it cannot map (a contiguous-only driver needs a contiguous heap)"
        } else if errno == .badAddress {
            // vb2_vmalloc_map_dmabuf answers a failed dma_buf_vmap with EFAULT.
            error.remedy = "a driver that works on a kernel mapping of its buffers (vb2-vmalloc: vivid, vimc, vim2m, USB cameras) could not vmap this dma-buf: its exporter has no vmap (ION before it left in 5.11); allocate from a dma-buf heap"
        }
        return error
    }
}
