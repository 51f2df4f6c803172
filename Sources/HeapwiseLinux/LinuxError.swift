import HeapwiseCore
import SystemPackage

/// An error from the kernel, with what Heapwise was doing, on which node, and what to do.
///
/// Every environmental failure throws this: ENOMEM, EACCES, ENODEV, EINVAL from a driver, and
/// EBADF for a descriptor a caller handed in (`DMABuf(importing:)`), which is input, not a
/// bug. Misuse of Heapwise's own handles (a `DMABuf` used after `close()`) traps instead
/// (swift-nio's rule); a `UniqueDMABuf` or `Descriptor` cannot even be written that way.
public struct LinuxError: HeapwiseError, Hashable {
    /// What kind of failure this is. The raw values are stable (1000–1099, beside the model's
    /// errors' ranges), for scripts and a C API.
    public enum Code: Int32, Hashable, Sendable, CaseIterable {
        case notFound = 1000
        case permissionDenied = 1001
        case outOfMemory = 1002
        case invalidLength = 1003
        case limitExceeded = 1004
        case unsupported = 1005
        case invalidArgument = 1006
        case invalidDescriptor = 1007
        case failed = 1008
    }

    public var code: Code
    public var errno: Errno?
    /// The device node or file involved: `/dev/dma_heap/reserved`.
    public var node: String?
    /// The call or ioctl: `.dmaHeapAlloc` (`DMA_HEAP_IOCTL_ALLOC`).
    public var operation: KernelCall
    public var message: String
    public var remedy: String?
    /// When no heap of a plan could allocate: every heap tried and why (`HeapFallback`).
    public var failedAttempts: [FailedHeapAttempt] = []

    public init(
        code: Code, errno: Errno? = nil, node: String? = nil, operation: KernelCall, message: String, remedy: String? = nil
    ) {
        self.code = code
        self.errno = errno
        self.node = node
        self.operation = operation
        self.message = message
        self.remedy = remedy
    }

    /// The stable number of `code` (see `HeapwiseError`).
    public var numericCode: Int32 { code.rawValue }

    /// What to do about a device node this user may not open; `heapwise heaps` prints it too.
    public static let inaccessibleNodeRemedy =
        "the node is not accessible to this user: add a udev rule or group for it (e.g. GROUP=\"video\", MODE=\"0660\"), or run as a user with access"

    /// Classifies an errno from `operation` on `node` with a remedy fitting the errno.
    public static func from(_ errno: Errno, node: String?, operation: KernelCall, message: String? = nil) -> LinuxError {
        let code: Code
        var remedy: String?
        switch errno {
        case .noSuchFileOrDirectory, .operationNotSupportedByDevice, .noSuchAddressOrDevice:
            code = .notFound
            remedy = "check that the kernel has this heap or driver (CONFIG_DMABUF_HEAPS_*, CONFIG_UDMABUF); 'heapwise heaps' lists what exists"
        case .permissionDenied, .notPermitted:
            code = .permissionDenied
            remedy = inaccessibleNodeRemedy
        case .noMemory:
            code = .outOfMemory
            remedy = "the heap is out of memory: free buffers, enlarge the area (cma= on the kernel command line for CMA), or use a heap the plan allows as a fallback"
        case .invalidArgument:
            code = .invalidArgument
        case .badFileDescriptor:
            code = .invalidDescriptor
            remedy = "the file descriptor is not open in this process (closed already, or never passed over)"
        case .notSupported, .inappropriateIOCTLForDevice, .noFunction, .notSupportedOnSocket:
            code = .unsupported
            remedy = "this kernel does not support the operation (it may be too old)"
        default:
            code = .failed
        }
        return LinuxError(
            code: code, errno: errno, node: node, operation: operation,
            message: message ?? "\(operation) failed", remedy: remedy
        )
    }

    public var description: String {
        var text = message
        if let node { text += " (\(node)" + (errno.map { ": \(operation): \($0)" } ?? "") + ")" }
        else if let errno { text += " (\(operation): \(errno))" }
        if let remedy { text += "; " + remedy }
        return text
    }
}
