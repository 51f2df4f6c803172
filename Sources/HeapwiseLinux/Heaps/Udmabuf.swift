import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// `/dev/udmabuf` (`drivers/dma-buf/udmabuf.c`): turns pages of a sealed memfd into a
/// dma-buf, so buffers an application already owns can be handed to devices.
///
/// The kernel insists that the memfd carries `F_SEAL_SHRINK` (its pages cannot vanish under
/// the device) and does not carry `F_SEAL_WRITE`, that offset and size are page-aligned, and
/// that size stays within the `size_limit_mb` module parameter (64 MiB by default).
public final class Udmabuf: BufferAllocator {
    public static let devicePath = "/dev/udmabuf"
    public static let sizeLimitPath = "/sys/module/udmabuf/parameters/size_limit_mb"

    public let heap: Heap
    public let node: String
    /// The module's per-buffer limit, read once when the device is opened.
    public let limit: Int?
    /// `node` as the buffers' origin, made once.
    private let origin: DMABufOrigin
    private let device: Descriptor

    public static let description = Heap(name: "udmabuf", kind: .udmabuf, addressBits: 64)

    public init(path: String = Udmabuf.devicePath) throws(LinuxError) {
        node = path
        origin = DMABufOrigin(path)
        heap = Self.description
        limit = Self.sizeLimit
        device = try DeviceNodes.open(path, O_RDWR | O_CLOEXEC, message: "cannot open udmabuf")
    }

    /// udmabuf.c's `size_limit_mb` on kernels where it is a constant, not a module parameter
    /// (Linux 5.10 has `static const size_t size_limit_mb = 64`; 6.1 has `module_param`).
    public static let fixedSizeLimit = 64 << 20

    /// The kernel's per-buffer limit in bytes: the module parameter where the kernel has it,
    /// else the fixed limit of older kernels, which refuse a larger buffer with a bare EINVAL.
    public static var sizeLimit: Int? {
        if let megabytes = ProcFiles.integer(sizeLimitPath) { return megabytes << 20 }
        return isLimitAdjustable ? nil : fixedSizeLimit
    }

    /// Whether the running kernel has udmabuf's limit parameters: sysfs shows a built-in
    /// module's `module_param`s under `/sys/module/udmabuf/parameters/`, and 5.10's udmabuf
    /// has its limits as constants, so the file is absent there.
    static var isLimitAdjustable: Bool { UserFiles.exists(sizeLimitPath) }

    public func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
        if let limit, length > limit {
            throw LinuxError(
                code: .limitExceeded, node: node, operation: .udmabufCreate,
                message: "udmabuf buffers are limited to \(ByteCount.format(limit)) (size_limit_mb); \(ByteCount.format(length)) asked",
                remedy: Self.isLimitAdjustable
                    ? "raise the limit (\(Self.sizeLimitPath), or udmabuf.size_limit_mb=N on the kernel command line) or use a dma-buf heap"
                    : "this kernel's udmabuf has a fixed limit (no size_limit_mb parameter): use a dma-buf heap"
            )
        }
        let memfd = try Memfd.createSealedAgainstShrinking(length: length, name: "heapwise-udmabuf")
        return try create(fromMemfd: memfd.rawValue, offset: 0, size: length)
    }

    /// Wraps `size` bytes at `offset` of an existing memfd. The memfd stays the caller's; the
    /// dma-buf holds its own references to the pages. The corresponding ioctl is `UDMABUF_CREATE`.
    public func create(fromMemfd memfd: Int32, offset: Int, size: Int) throws(LinuxError) -> UniqueDMABuf {
        guard offset >= 0, size > 0 else {
            throw LinuxError(code: .invalidLength, node: node, operation: .udmabufCreate,
                             message: "cannot wrap \(size) bytes at offset \(offset) of a memfd: the offset must not be negative and the size must be positive")
        }
        switch Syscalls.udmabufCreate(device.rawValue, memfd: memfd, offset: UInt64(offset), size: UInt64(size)) {
        case let .success(bufferFD):
            return UniqueDMABuf(adopting: Descriptor(adopting: bufferFD), size: size, origin: origin)
        case let .failure(errno):
            var error = LinuxError.from(errno, node: node, operation: .udmabufCreate, message: "creating a udmabuf of \(ByteCount.format(size)) failed")
            if errno == .invalidArgument {
                error.remedy = Self.explainInvalid(memfd: memfd, offset: offset, size: size)
            }
            throw error
        }
    }

    /// udmabuf answers EINVAL for several different mistakes; say which one this was.
    private static func explainInvalid(memfd: Int32, offset: Int, size: Int) -> String {
        let page = Syscalls.pageSize
        if offset % page != 0 || size % page != 0 {
            return "offset \(offset) and size \(size) must be multiples of the page size (\(page))"
        }
        let seals = (try? Syscalls.seals(memfd).get()) ?? -1
        if seals >= 0 && seals & hw_F_SEAL_SHRINK == 0 {
            return "the memfd must carry F_SEAL_SHRINK (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)) so its pages cannot be truncated away"
        }
        if seals >= 0 && seals & hw_F_SEAL_WRITE != 0 {
            return "the memfd must not carry F_SEAL_WRITE: devices write into udmabuf buffers"
        }
        if let limit = sizeLimit, size > limit {
            return "the size exceeds the udmabuf limit of \(ByteCount.format(limit)) (\(sizeLimitPath))"
        }
        return "the range must lie inside a memfd created with MFD_ALLOW_SEALING"
    }

    /// The same allocate+free as a plain C loop (`hw_baseline_udmabuf`), for `heapwise bench alloc`.
    public func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> {
        Syscalls.baseline { hw_baseline_udmabuf(device.rawValue, UInt64(length), &$0) }
    }
}
