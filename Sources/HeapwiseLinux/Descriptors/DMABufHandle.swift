import CHeapwiseLinux
import Glibc
import SystemPackage

/// What every owner of a dma-buf descriptor can do with it, whether it is the single owner
/// (`UniqueDMABuf`) or a shared, reference-counted one (`DMABuf`): read its identity and
/// fdinfo, name it, move fences in and out, and map it for the CPU (`withCPUAccess`).
///
/// The split follows libcamera's `UniqueFD` and `SharedFD`: an allocation has one owner and
/// costs no object of its own; a buffer handed to several devices (a V4L2 queue, a DRM
/// framebuffer) is shared, and closed when its last user lets go.
public protocol DMABufHandle: ~Copyable {
    /// The size the exporter gave it, in bytes (page-aligned).
    var size: Int { get }
    /// Where it came from, for messages: `/dev/dma_heap/system`, `/dev/udmabuf`, `memfd`.
    var origin: String { get }
    /// False for the memfd fallback: a plain shared-memory fd that no device can import and
    /// on which the dma-buf ioctls fail.
    var isDMABuf: Bool { get }
    /// Lends the dma-buf's descriptor to `body`, for passing to a driver or another library;
    /// the handle keeps ownership, so `body` must neither close nor keep it.
    func withUnsafeDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R
}

extension DMABufHandle where Self: ~Copyable {
    /// The inode number of the dma-buf's file: the identity `/proc/<pid>/fdinfo` and
    /// `/sys/kernel/dmabuf/buffers/<inode>` use. The corresponding call is `fstat`.
    public func inode() throws(LinuxError) -> UInt64 {
        switch Syscalls.fstat(checkedFD()) {
        case let .success(info): return UInt64(info.st_ino)
        case let .failure(errno): throw .from(errno, node: origin, operation: .fstat)
        }
    }

    /// Names the buffer for debugging (`/proc/<pid>/fdinfo`, debugfs `dma_buf/bufinfo`).
    /// The corresponding ioctl is `DMA_BUF_SET_NAME`; names hold at most 31 bytes.
    public func setName(_ name: String) throws(LinuxError) {
        let limit = Int(hw_DMA_BUF_NAME_LEN) - 1
        guard name.utf8.count <= limit else {
            throw LinuxError(code: .invalidArgument, node: origin, operation: .dmaBufSetName,
                             message: "dma-buf name '\(name)' is \(name.utf8.count) bytes; the kernel keeps at most \(limit)")
        }
        if case let .failure(errno) = Syscalls.dmaBufSetName(checkedFD(), name) {
            throw .from(errno, node: origin, operation: .dmaBufSetName, message: "naming the dma-buf failed")
        }
    }

    /// What the kernel reports about this buffer in `/proc/self/fdinfo/<fd>`.
    public func info() throws(LinuxError) -> DMABufInfo {
        let path = "/proc/self/fdinfo/\(checkedFD())"
        guard let text = ProcFiles.read(path) else {
            throw LinuxError(code: .failed, node: path, operation: .read, message: "cannot read the dma-buf's fdinfo")
        }
        return DMABufInfo(fdinfo: text)
    }

    /// Exports the buffer's current fences as a sync_file: a fence that signals when the
    /// pending device `access` (read or write) completes.
    /// The corresponding ioctl is `DMA_BUF_IOCTL_EXPORT_SYNC_FILE` (Linux 6.0+).
    public func exportSyncFile(for access: CPUAccess) throws(LinuxError) -> SyncFile {
        switch Syscalls.dmaBufExportSyncFile(checkedFD(), flags: UInt32(access.syncFlags)) {
        case let .success(syncFD): return SyncFile(Descriptor(adopting: syncFD))
        case let .failure(errno):
            throw Self.syncFileError(errno, node: origin, operation: .dmaBufExportSyncFile, verb: "exporting")
        }
    }

    /// Adds `syncFile`'s fence to the buffer, so later users wait for it.
    /// The corresponding ioctl is `DMA_BUF_IOCTL_IMPORT_SYNC_FILE` (Linux 6.0+).
    public func importSyncFile(_ syncFile: SyncFile, for access: CPUAccess) throws(LinuxError) {
        if case let .failure(errno) = Syscalls.dmaBufImportSyncFile(checkedFD(), flags: UInt32(access.syncFlags), syncFD: syncFile.fd) {
            throw Self.syncFileError(errno, node: origin, operation: .dmaBufImportSyncFile, verb: "importing")
        }
    }

    /// Kernels before 6.0 answer the sync_file ioctls with ENOTTY (dma_buf_ioctl's default case).
    private static func syncFileError(_ errno: Errno, node: String, operation: KernelCall, verb: String) -> LinuxError {
        var error = LinuxError.from(errno, node: node, operation: operation, message: "\(verb) a sync_file failed")
        if errno == .inappropriateIOCTLForDevice {
            error.message = "\(verb) a sync_file is not supported by this kernel (\(operation) arrived in Linux 6.0)"
            error.remedy = "wait for the buffer's fences with poll() on the dma-buf instead"
        }
        return error
    }

    /// The raw descriptor, for the syscall funnel (-1 for a closed `DMABuf`).
    var fd: Int32 { withUnsafeDescriptor { $0 } }

    /// Using a closed `DMABuf` is a programmer error, not an environmental one. (A
    /// `UniqueDMABuf` cannot be used after `close()`: the compiler refuses it.)
    func checkedFD() -> Int32 {
        precondition(fd >= 0, "use of a closed DMABuf (\(origin))")
        return fd
    }
}
