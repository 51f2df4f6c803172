import CHeapwiseLinux
import Glibc
import SystemPackage

/// An owned dma-buf file descriptor: closed exactly once, when the handle goes away or
/// `close()` is called. Allocation and mapping are separate: a `DMABuf` is only the buffer;
/// CPU access is scoped (`withCPUAccess`) and device import happens elsewhere.
public final class DMABuf {
    /// The dma-buf's file descriptor (for passing to a driver); owned by this object.
    /// Exclusivity is not checked at run time: only `close()` writes it, and a `DMABuf` is
    /// not shared across threads (it is not `Sendable`); the check cost a measurable part of
    /// an allocate+free (`heapwise bench alloc`).
    @exclusivity(unchecked) public private(set) var fd: Int32
    /// The size the exporter gave it, in bytes (page-aligned).
    public let size: Int
    /// Where it came from, for messages: `/dev/dma_heap/system`, `udmabuf`, `memfd`.
    public let origin: String
    /// False for the memfd fallback: a plain shared-memory fd that no device can import and
    /// on which the dma-buf ioctls fail.
    public let isDMABuf: Bool

    init(adopting fd: Int32, size: Int, origin: String, isDMABuf: Bool = true) {
        self.fd = fd
        self.size = size
        self.origin = origin
        self.isDMABuf = isDMABuf
    }

    deinit { close() }

    /// Closes the descriptor now; later calls do nothing. Errors from close(2) are not
    /// actionable (the descriptor is gone either way) and are not reported.
    public func close() {
        guard fd >= 0 else { return }
        _ = Syscalls.close(fd)
        fd = -1
    }

    /// The inode number of the dma-buf's file: the identity `/proc/<pid>/fdinfo` and
    /// `/sys/kernel/dmabuf/buffers/<inode>` use. The corresponding call is `fstat`.
    public func inode() throws(LinuxError) -> UInt64 {
        switch Syscalls.fstat(checkedFD()) {
        case let .success(info): return UInt64(info.st_ino)
        case let .failure(errno): throw .from(errno, node: origin, operation: "fstat")
        }
    }

    /// Names the buffer for debugging (`/proc/<pid>/fdinfo`, debugfs `dma_buf/bufinfo`).
    /// The corresponding ioctl is `DMA_BUF_SET_NAME`; names hold at most 31 bytes.
    public func setName(_ name: String) throws(LinuxError) {
        let limit = Int(hw_DMA_BUF_NAME_LEN) - 1
        guard name.utf8.count <= limit else {
            throw LinuxError(code: .invalidArgument, node: origin, operation: "DMA_BUF_SET_NAME",
                             message: "dma-buf name '\(name)' is \(name.utf8.count) bytes; the kernel keeps at most \(limit)")
        }
        if case let .failure(errno) = Syscalls.dmaBufSetName(checkedFD(), name) {
            throw .from(errno, node: origin, operation: "DMA_BUF_SET_NAME", message: "naming the dma-buf failed")
        }
    }

    /// What the kernel reports about this buffer in `/proc/self/fdinfo/<fd>`.
    public func info() throws(LinuxError) -> DMABufInfo {
        let path = "/proc/self/fdinfo/\(checkedFD())"
        guard let text = ProcFiles.read(path) else {
            throw LinuxError(code: .failed, node: path, operation: "read", message: "cannot read the dma-buf's fdinfo")
        }
        return DMABufInfo(fdinfo: text)
    }

    /// Exports the buffer's current fences as a sync_file: a fence that signals when the
    /// pending device `access` (read or write) completes.
    /// The corresponding ioctl is `DMA_BUF_IOCTL_EXPORT_SYNC_FILE` (Linux 6.0+).
    public func exportSyncFile(for access: CPUAccess) throws(LinuxError) -> SyncFile {
        switch Syscalls.dmaBufExportSyncFile(checkedFD(), flags: UInt32(access.syncFlags)) {
        case let .success(syncFD): return SyncFile(adopting: syncFD)
        case let .failure(errno):
            throw .from(errno, node: origin, operation: "DMA_BUF_IOCTL_EXPORT_SYNC_FILE", message: "exporting a sync_file failed")
        }
    }

    /// Adds `syncFile`'s fence to the buffer, so later users wait for it.
    /// The corresponding ioctl is `DMA_BUF_IOCTL_IMPORT_SYNC_FILE` (Linux 6.0+).
    public func importSyncFile(_ syncFile: SyncFile, for access: CPUAccess) throws(LinuxError) {
        if case let .failure(errno) = Syscalls.dmaBufImportSyncFile(checkedFD(), flags: UInt32(access.syncFlags), syncFD: syncFile.fd) {
            throw .from(errno, node: origin, operation: "DMA_BUF_IOCTL_IMPORT_SYNC_FILE", message: "importing a sync_file failed")
        }
    }

    /// Using a closed handle is a programmer error, not an environmental one.
    func checkedFD() -> Int32 {
        precondition(fd >= 0, "use of a closed DMABuf (\(origin))")
        return fd
    }
}

/// An owned sync_file descriptor (a fence), closed with the handle.
public final class SyncFile {
    public private(set) var fd: Int32
    init(adopting fd: Int32) { self.fd = fd }
    deinit { if fd >= 0 { _ = Syscalls.close(fd) } }
}

/// The fields of a dma-buf's `/proc/<pid>/fdinfo/<fd>` (`dma_buf_show_fdinfo` in
/// `drivers/dma-buf/dma-buf.c`).
public struct DMABufInfo: Hashable, Sendable {
    public var size: Int?
    /// How many references the kernel holds (`file_count`).
    public var count: Int?
    /// The exporter: `system`, `reserved`, `udmabuf`, `drm`, …
    public var exporter: String?
    /// The name set with `DMA_BUF_SET_NAME`, if any.
    public var name: String?

    init(fdinfo text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].drop { $0 == " " || $0 == "\t" }
            switch parts[0] {
            case "size": size = Int(value)
            case "count": count = Int(value)
            case "exp_name": exporter = String(value)
            case "name": name = String(value)
            default: break
            }
        }
    }
}
