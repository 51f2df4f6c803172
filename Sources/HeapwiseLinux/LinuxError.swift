import SystemPackage

/// An error from the kernel, with what Heapwise was doing, on which node, and what to do.
///
/// Environmental failures (ENOMEM, EACCES, ENODEV, EINVAL from a driver) throw this; a bad
/// descriptor (EBADF) in Heapwise's own handles is a bug and traps instead (swift-nio's rule).
public struct LinuxError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case notFound, permissionDenied, outOfMemory, invalidLength, limitExceeded, unsupported, invalidArgument,
            invalidDescriptor, failed
    }

    public var code: Code
    public var errno: Errno?
    /// The device node or file involved: `/dev/dma_heap/reserved`.
    public var node: String?
    /// The call or ioctl: `DMA_HEAP_IOCTL_ALLOC`.
    public var operation: String
    public var message: String
    public var remedy: String?

    public init(code: Code, errno: Errno? = nil, node: String? = nil, operation: String, message: String, remedy: String? = nil) {
        self.code = code
        self.errno = errno
        self.node = node
        self.operation = operation
        self.message = message
        self.remedy = remedy
    }

    /// Classifies an errno from `operation` on `node` with a remedy fitting the errno.
    public static func from(_ errno: Errno, node: String?, operation: String, message: String? = nil) -> LinuxError {
        let code: Code
        var remedy: String?
        switch errno {
        case .noSuchFileOrDirectory, .operationNotSupportedByDevice, .noSuchAddressOrDevice:
            code = .notFound
            remedy = "check that the kernel has this heap or driver (CONFIG_DMABUF_HEAPS_*, CONFIG_UDMABUF); 'heapwise heaps' lists what exists"
        case .permissionDenied, .notPermitted:
            code = .permissionDenied
            remedy = "the node is not accessible to this user: add a udev rule or group for it (e.g. GROUP=\"video\", MODE=\"0660\"), or run as a user with access"
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
