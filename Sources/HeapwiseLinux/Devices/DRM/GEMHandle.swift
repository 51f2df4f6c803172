import HeapwiseCore
import SystemPackage

/// A dma-buf imported into a DRM device: the GEM handle the device's ioctls name it by.
///
/// The handle keeps the device open and is released (`DRM_IOCTL_GEM_CLOSE`) when the last
/// `GEMHandle` naming it goes away. Importing does not map or copy anything: the device
/// takes a reference to the dma-buf, which lives on while the handle (or a framebuffer made
/// from it) does, even after the `DMABuf` itself is closed.
public final class GEMHandle {
    public let device: DRMDevice
    public let handle: UInt32
    /// The imported dma-buf's size in bytes.
    public let size: Int
    /// Where the buffer came from, for messages: `/dev/dma_heap/system`.
    public let origin: String
    private var released = false

    init(device: DRMDevice, handle: UInt32, size: Int, origin: String) {
        self.device = device
        self.handle = handle
        self.size = size
        self.origin = origin
        device.handleReferences[handle, default: 0] += 1
    }

    deinit { release() }

    /// Drops this reference now; the kernel handle is closed with the last one. Later calls do nothing.
    public func release() {
        guard !released else { return }
        released = true
        device.releaseHandle(handle)
    }
}

extension DRMDevice {
    /// Imports a dma-buf (from a heap, udmabuf, V4L2, another GPU) into this device.
    /// The corresponding ioctl is `DRM_IOCTL_PRIME_FD_TO_HANDLE`.
    ///
    /// Importing the same dma-buf twice gives the same kernel handle (`drm_prime.c` keeps a
    /// per-file lookup table); both `GEMHandle`s stay valid until the last is released.
    public func importBuffer(_ buffer: DMABuf) throws(LinuxError) -> GEMHandle {
        guard buffer.isDMABuf else {
            throw LinuxError(code: .unsupported, node: path, operation: .drmPrimeFDToHandle,
                             message: "\(driver): the buffer from \(buffer.origin) is CPU-only memory (memfd), not a dma-buf; no device can import it",
                             remedy: "allocate from a dma-buf heap or udmabuf")
        }
        switch Syscalls.retryingInterrupts(true, { Syscalls.drmPrimeFDToHandle(fd, dmaBuf: buffer.checkedFD()) }) {
        case let .success(handle):
            return GEMHandle(device: self, handle: handle, size: buffer.size, origin: buffer.origin)
        case let .failure(errno):
            var failure = error(errno, .drmPrimeFDToHandle,
                                "importing the \(ByteCount.format(buffer.size)) dma-buf from \(buffer.origin) failed")
            if errno == .invalidArgument {
                failure.remedy = "the descriptor is not a dma-buf, or the driver cannot reach its memory"
            } else if failure.code == .unsupported {
                failure.remedy = "\(driver) cannot import dma-bufs (DRM_CAP_PRIME has no DRM_PRIME_CAP_IMPORT)"
            }
            throw failure
        }
    }

    /// Exports a GEM object as a dma-buf (read-write, close-on-exec). For an imported buffer
    /// the kernel hands back the original dma-buf, so the result has the same inode.
    /// The corresponding ioctl is `DRM_IOCTL_PRIME_HANDLE_TO_FD`.
    public func exportBuffer(_ handle: GEMHandle) throws(LinuxError) -> DMABuf {
        precondition(handle.device === self, "a GEM handle belongs to the device that made it")
        switch Syscalls.retryingInterrupts(true, { Syscalls.drmPrimeHandleToFD(fd, handle: handle.handle) }) {
        case let .success(bufferFD):
            return DMABuf(adopting: Descriptor(adopting: bufferFD), size: handle.size, origin: "\(path) (\(driver) GEM handle \(handle.handle))")
        case let .failure(errno):
            var failure = error(errno, .drmPrimeHandleToFD, "exporting GEM handle \(handle.handle) failed")
            if failure.code == .unsupported {
                // drm_prime_handle_to_fd_ioctl answers ENOSYS when the driver has no
                // prime_handle_to_fd (vkms before it moved to the shmem GEM helpers).
                failure.remedy = "\(driver) cannot export dma-bufs (DRM_CAP_PRIME has no DRM_PRIME_CAP_EXPORT); share the buffer from its exporter instead"
            }
            throw failure
        }
    }

    /// The corresponding ioctl is `DRM_IOCTL_GEM_CLOSE`, issued when the count reaches zero.
    /// A failure here can only mean the handle was closed behind Heapwise's back: a bug.
    func releaseHandle(_ handle: UInt32) {
        let remaining = (handleReferences[handle] ?? 1) - 1
        if remaining > 0 {
            handleReferences[handle] = remaining
            return
        }
        handleReferences[handle] = nil
        if case let .failure(errno) = Syscalls.drmGemClose(fd, handle: handle) {
            assertionFailure("DRM_IOCTL_GEM_CLOSE of handle \(handle) on \(path) failed: \(errno)")
        }
    }
}
