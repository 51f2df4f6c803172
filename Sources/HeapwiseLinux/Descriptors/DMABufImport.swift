extension DMABuf {
    /// Takes a dma-buf that came from elsewhere (another process over a socket, a driver's
    /// `VIDIOC_EXPBUF` or `PRIME_HANDLE_TO_FD`): the descriptor is duplicated, so the caller
    /// keeps and closes its own, and checked to be a dma-buf (its fdinfo names an exporter).
    /// The size is the dma-buf file's size, which the kernel sets to the buffer's
    /// (`dma_buf_export`). An fd that is not open is the caller's input, so it throws
    /// `.invalidDescriptor` rather than trapping.
    public convenience init(importing fd: Int32, origin: String = "imported dma-buf") throws(LinuxError) {
        guard fd >= 0 else {
            throw LinuxError(code: .invalidDescriptor, operation: .importBuffer, message: "\(fd) is not a file descriptor")
        }
        let copy: Descriptor
        switch Syscalls.duplicate(fd) {
        case let .success(duplicated): copy = Descriptor(adopting: duplicated)
        case let .failure(errno):
            throw LinuxError.from(errno, node: origin, operation: .duplicate, message: "cannot import fd \(fd)")
        }
        let size: Int
        switch Syscalls.fstat(copy.rawValue) {
        case let .success(info): size = Int(info.st_size)
        case let .failure(errno):
            throw LinuxError.from(errno, node: origin, operation: .fstat, message: "cannot import fd \(fd)")
        }
        guard ProcFiles.read("/proc/self/fdinfo/\(copy.rawValue)").map({ DMABufInfo(fdinfo: $0).exporter != nil }) == true else {
            throw LinuxError(
                code: .invalidArgument, node: origin, operation: .importBuffer,
                message: "fd \(fd) is not a dma-buf (its /proc/self/fdinfo names no exporter)",
                remedy: "pass a descriptor from a dma-buf heap, udmabuf, PRIME export or VIDIOC_EXPBUF"
            )
        }
        self.init(adopting: copy, size: size, origin: origin)
    }
}
