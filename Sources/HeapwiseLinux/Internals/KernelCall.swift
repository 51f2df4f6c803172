/// Every call Heapwise makes into the kernel, named once: the syscall funnel tags each call
/// with its name, `LinuxError` carries it, and failure injection matches on it, so a test can
/// fail exactly one ioctl (`DMA_BUF_IOCTL_SYNC`, and only its END, by matching arguments).
///
/// `description` is the kernel's own spelling (`DMA_HEAP_IOCTL_ALLOC`, `VIDIOC_QBUF`,
/// `mmap`), which is what error messages print. The last group are steps of Heapwise's own
/// that fail without a system call failing (a length no heap can take, an fd that is not a
/// dma-buf); they are named here so every `LinuxError` has a typed operation.
public enum KernelCall: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    // Files and memory (syscalls).
    case open, close, read, readlink, access, openDirectory, stat, fstat, mmap, munmap, poll
    /// Writing files and trees (the synthetic `/proc` of `heapwise bench stats`).
    case write, makeDirectory, symlink, link, unlink, removeDirectory
    /// Reading `/proc` by directory descriptor: `openat`, `statx`, `getdents64`.
    case openAt, statx, getdents
    /// `nanosleep`, between the snapshots of `heapwise stats --watch`.
    case sleep
    case memfdCreate, ftruncate
    /// `fcntl(F_ADD_SEALS)`, `fcntl(F_GET_SEALS)`, `fcntl(F_DUPFD_CLOEXEC)`.
    case addSeals, getSeals, duplicate
    /// Unix sockets: `socketpair`, `sendmsg` and `recvmsg` (with `SCM_RIGHTS`), `getsockopt(SO_PEERCRED)`.
    case socketPair, sendMessage, receiveMessage, peerCredentials
    case peerGroups, listen, connect, accept, signalfd, readSignal, chmod, spawn
    /// `fcntl(F_SETFL, O_NONBLOCK)` and `fcntl(F_SETFD, FD_CLOEXEC)`; `kill`, `waitpid`.
    case setDescriptorFlags, signal, wait

    // dma-buf, dma-buf heaps, udmabuf (`include/uapi/linux/dma-buf.h`, `dma-heap.h`, `udmabuf.h`).
    case dmaHeapAlloc, dmaBufSync, dmaBufSetName, dmaBufExportSyncFile, dmaBufImportSyncFile, udmabufCreate

    // ION, Linux 4.12 to 5.10 (`drivers/staging/android/uapi/ion.h`).
    case ionHeapQuery, ionAlloc

    // DRM (`include/uapi/drm/drm.h`, `drm_mode.h`).
    case drmVersion, drmGetCap, drmSetClientCap, drmGetResources, drmGetEncoder, drmGetConnector
    case drmGetPlaneResources, drmGetPlane, drmObjectGetProperties, drmGetProperty
    case drmGetPropertyBlob, drmCreatePropertyBlob, drmDestroyPropertyBlob
    case drmPrimeFDToHandle, drmPrimeHandleToFD, drmGemClose, drmAddFB2, drmRemoveFB, drmAtomic

    // V4L2 (`include/uapi/linux/videodev2.h`).
    case vidiocQueryCap, vidiocEnumFormat, vidiocEnumFrameSizes, vidiocGetFormat, vidiocSetFormat, vidiocTryFormat
    case vidiocRequestBuffers, vidiocQueryBuffer, vidiocQueueBuffer, vidiocDequeueBuffer, vidiocExportBuffer
    case vidiocStreamOn, vidiocStreamOff

    // VFIO type1 (`include/uapi/linux/vfio.h`), and reads and writes of a device's regions.
    case vfioGetAPIVersion, vfioCheckExtension, vfioGroupGetStatus, vfioGroupSetContainer, vfioSetIOMMU
    case vfioGroupGetDeviceFD, vfioIOMMUGetInfo, vfioDeviceGetRegionInfo, vfioMapDMA, vfioUnmapDMA
    case pread, pwrite

    // Heapwise's own steps, which fail without a kernel call failing.
    /// Validating a length before any allocator sees it (`BufferAllocator.allocateUnique`).
    case allocate
    /// Taking in a descriptor from elsewhere (`DMABuf(importing:)`).
    case importBuffer
    /// The raw C loop `heapwise bench alloc` compares against.
    case baselineAllocateFree
    /// A `withCPUAccess` body that failed with an error of its own.
    case cpuAccess

    public var description: String {
        switch self {
        case .open: "open"
        case .close: "close"
        case .read: "read"
        case .readlink: "readlink"
        case .access: "access"
        case .openDirectory: "opendir"
        case .stat: "stat"
        case .fstat: "fstat"
        case .mmap: "mmap"
        case .munmap: "munmap"
        case .write: "write"
        case .makeDirectory: "mkdir"
        case .symlink: "symlink"
        case .link: "link"
        case .unlink: "unlink"
        case .removeDirectory: "rmdir"
        case .sleep: "nanosleep"
        case .openAt: "openat"
        case .statx: "statx"
        case .getdents: "getdents64"
        case .memfdCreate: "memfd_create"
        case .ftruncate: "ftruncate"
        case .addSeals: "F_ADD_SEALS"
        case .getSeals: "F_GET_SEALS"
        case .duplicate: "F_DUPFD_CLOEXEC"
        case .socketPair: "socketpair"
        case .sendMessage: "sendmsg"
        case .receiveMessage: "recvmsg"
        case .peerCredentials: "SO_PEERCRED"
        case .poll: "poll"
        case .peerGroups: "SO_PEERGROUPS"
        case .listen: "listen"
        case .connect: "connect"
        case .accept: "accept4"
        case .signalfd: "signalfd"
        case .readSignal: "read(signalfd)"
        case .chmod: "chmod"
        case .spawn: "posix_spawn"
        case .setDescriptorFlags: "fcntl(F_SETFL/F_SETFD)"
        case .signal: "kill"
        case .wait: "waitpid"
        case .dmaHeapAlloc: "DMA_HEAP_IOCTL_ALLOC"
        case .dmaBufSync: "DMA_BUF_IOCTL_SYNC"
        case .dmaBufSetName: "DMA_BUF_SET_NAME"
        case .dmaBufExportSyncFile: "DMA_BUF_IOCTL_EXPORT_SYNC_FILE"
        case .dmaBufImportSyncFile: "DMA_BUF_IOCTL_IMPORT_SYNC_FILE"
        case .udmabufCreate: "UDMABUF_CREATE"
        case .ionHeapQuery: "ION_IOC_HEAP_QUERY"
        case .ionAlloc: "ION_IOC_ALLOC"
        case .drmVersion: "DRM_IOCTL_VERSION"
        case .drmGetCap: "DRM_IOCTL_GET_CAP"
        case .drmSetClientCap: "DRM_IOCTL_SET_CLIENT_CAP"
        case .drmGetResources: "DRM_IOCTL_MODE_GETRESOURCES"
        case .drmGetEncoder: "DRM_IOCTL_MODE_GETENCODER"
        case .drmGetConnector: "DRM_IOCTL_MODE_GETCONNECTOR"
        case .drmGetPlaneResources: "DRM_IOCTL_MODE_GETPLANERESOURCES"
        case .drmGetPlane: "DRM_IOCTL_MODE_GETPLANE"
        case .drmObjectGetProperties: "DRM_IOCTL_MODE_OBJ_GETPROPERTIES"
        case .drmGetProperty: "DRM_IOCTL_MODE_GETPROPERTY"
        case .drmGetPropertyBlob: "DRM_IOCTL_MODE_GETPROPBLOB"
        case .drmCreatePropertyBlob: "DRM_IOCTL_MODE_CREATEPROPBLOB"
        case .drmDestroyPropertyBlob: "DRM_IOCTL_MODE_DESTROYPROPBLOB"
        case .drmPrimeFDToHandle: "DRM_IOCTL_PRIME_FD_TO_HANDLE"
        case .drmPrimeHandleToFD: "DRM_IOCTL_PRIME_HANDLE_TO_FD"
        case .drmGemClose: "DRM_IOCTL_GEM_CLOSE"
        case .drmAddFB2: "DRM_IOCTL_MODE_ADDFB2"
        case .drmRemoveFB: "DRM_IOCTL_MODE_RMFB"
        case .drmAtomic: "DRM_IOCTL_MODE_ATOMIC"
        case .vidiocQueryCap: "VIDIOC_QUERYCAP"
        case .vidiocEnumFormat: "VIDIOC_ENUM_FMT"
        case .vidiocEnumFrameSizes: "VIDIOC_ENUM_FRAMESIZES"
        case .vidiocGetFormat: "VIDIOC_G_FMT"
        case .vidiocSetFormat: "VIDIOC_S_FMT"
        case .vidiocTryFormat: "VIDIOC_TRY_FMT"
        case .vidiocRequestBuffers: "VIDIOC_REQBUFS"
        case .vidiocQueryBuffer: "VIDIOC_QUERYBUF"
        case .vidiocQueueBuffer: "VIDIOC_QBUF"
        case .vidiocDequeueBuffer: "VIDIOC_DQBUF"
        case .vidiocExportBuffer: "VIDIOC_EXPBUF"
        case .vidiocStreamOn: "VIDIOC_STREAMON"
        case .vidiocStreamOff: "VIDIOC_STREAMOFF"
        case .vfioGetAPIVersion: "VFIO_GET_API_VERSION"
        case .vfioCheckExtension: "VFIO_CHECK_EXTENSION"
        case .vfioGroupGetStatus: "VFIO_GROUP_GET_STATUS"
        case .vfioGroupSetContainer: "VFIO_GROUP_SET_CONTAINER"
        case .vfioSetIOMMU: "VFIO_SET_IOMMU"
        case .vfioGroupGetDeviceFD: "VFIO_GROUP_GET_DEVICE_FD"
        case .vfioIOMMUGetInfo: "VFIO_IOMMU_GET_INFO"
        case .vfioDeviceGetRegionInfo: "VFIO_DEVICE_GET_REGION_INFO"
        case .vfioMapDMA: "VFIO_IOMMU_MAP_DMA"
        case .vfioUnmapDMA: "VFIO_IOMMU_UNMAP_DMA"
        case .pread: "pread"
        case .pwrite: "pwrite"
        case .allocate: "allocate"
        case .importBuffer: "import"
        case .baselineAllocateFree: "baseline allocate+free"
        case .cpuAccess: "CPU access"
        }
    }
}
