import HeapwiseCore

/// Descriptors that arrived with a message: owned here until taken, and closed when this
/// goes away, so a descriptor a peer sent unasked never leaks into the process.
public final class ReceivedDescriptors: @unchecked Sendable {
    private var raw: [Int32]

    init(_ raw: [Int32]) { self.raw = raw }

    deinit {
        // Each left untaken is adopted, and closed as its owner goes away.
        for fd in raw where fd >= 0 { Descriptor(adopting: fd).close() }
    }

    public var count: Int { raw.count }

    /// Takes descriptor `index` as a dma-buf, checked against what the kernel says of it
    /// (`/proc/self/fdinfo`): it must be a dma-buf of `inode` and `size` bytes, else the
    /// descriptor is closed and the error says what it was.
    public func dmaBuf(at index: Int, inode: UInt64, size: Int, origin: String) throws(LinuxError) -> DMABuf {
        guard raw.indices.contains(index), raw[index] >= 0 else {
            throw LinuxError(code: .failed, node: origin, operation: .receiveMessage, message: "descriptor \(index) did not arrive with the reply")
        }
        let fd = raw[index]
        raw[index] = -1
        let descriptor = Descriptor(adopting: fd)
        let path = "/proc/self/fdinfo/\(fd)"
        guard let text = ProcFiles.read(path, limit: 1 << 16, whole: true) else {
            throw LinuxError(code: .failed, node: path, operation: .read, message: "cannot read the received descriptor's fdinfo")
        }
        guard case let .dmaBuf(info) = ProcText.fdinfo(Array(text.utf8)) else {
            throw LinuxError(code: .failed, node: origin, operation: .receiveMessage, message: "descriptor \(index) of the reply is not a dma-buf")
        }
        let actualInode: UInt64
        switch Syscalls.fstat(fd) {
        case let .success(status): actualInode = UInt64(status.st_ino)
        case let .failure(errno): throw .from(errno, node: origin, operation: .fstat)
        }
        guard actualInode == inode, info.size == size else {
            throw LinuxError(code: .failed, node: origin, operation: .receiveMessage,
                             message: "descriptor \(index) is dma-buf \(actualInode) of \(info.size) bytes; the reply described \(inode) of \(size)")
        }
        return DMABuf(UniqueDMABuf(adopting: descriptor, size: size, origin: DMABufOrigin(origin)))
    }

    /// Takes every descriptor not yet taken, as raw numbers the caller now owns.
    public func takeAll() -> [Int32] {
        let taken = raw.filter { $0 >= 0 }
        raw = []
        return taken
    }
}
