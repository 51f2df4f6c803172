import CHeapwiseLinux
import SystemPackage

/// Where a queue's buffers come from (`enum v4l2_memory`).
public enum V4L2Memory: Hashable, Sendable, CustomStringConvertible {
    /// The driver allocates them (with its videobuf2 allocator); they can be exported as
    /// dma-bufs with `VIDIOC_EXPBUF`.
    case mmap
    /// Plain user memory; not shareable with other devices, so Heapwise does not use it.
    case userptr
    /// Imported dma-bufs: Heapwise allocates, the driver uses. Zero copies.
    case dmabuf

    public var rawValue: UInt32 {
        switch self {
        case .mmap: hw_V4L2_MEMORY_MMAP
        case .userptr: hw_V4L2_MEMORY_USERPTR
        case .dmabuf: hw_V4L2_MEMORY_DMABUF
        }
    }

    public var description: String {
        switch self {
        case .mmap: "V4L2_MEMORY_MMAP"
        case .userptr: "V4L2_MEMORY_USERPTR"
        case .dmabuf: "V4L2_MEMORY_DMABUF"
        }
    }
}

/// What a queue's buffers can be (`V4L2_BUF_CAP_*`, reported by `VIDIOC_REQBUFS` since
/// Linux 5.0; an older kernel reports none of them).
public struct V4L2BufferCapabilities: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let mmap = V4L2BufferCapabilities(rawValue: hw_V4L2_BUF_CAP_SUPPORTS_MMAP)
    public static let userptr = V4L2BufferCapabilities(rawValue: hw_V4L2_BUF_CAP_SUPPORTS_USERPTR)
    public static let dmabuf = V4L2BufferCapabilities(rawValue: hw_V4L2_BUF_CAP_SUPPORTS_DMABUF)
    /// Buffers may outlive `VIDIOC_REQBUFS(0)` while still mapped or exported.
    public static let orphanedBuffers = V4L2BufferCapabilities(rawValue: hw_V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS)

    public var description: String {
        let names: [(V4L2BufferCapabilities, String)] = [(.mmap, "mmap"), (.userptr, "userptr"), (.dmabuf, "dmabuf"), (.orphanedBuffers, "orphaned-bufs")]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "none reported" : set.joined(separator: ", ")
    }
}

extension V4L2Device {
    /// Allocates (MMAP) or prepares slots for (DMABUF) `count` buffers on the queue, or
    /// releases them all with `count` 0. Returns the count the driver granted (it may round
    /// up to its minimum) and the queue's buffer capabilities.
    /// The corresponding ioctl is `VIDIOC_REQBUFS`.
    public func requestBuffers(
        _ count: Int, type: V4L2BufferType, memory: V4L2Memory
    ) throws(LinuxError) -> (count: Int, capabilities: V4L2BufferCapabilities) {
        let result = Syscalls.retryingInterrupts(true) {
            Syscalls.v4l2RequestBuffers(fd, type: type.rawValue, memory: memory.rawValue, count: UInt32(clamping: count))
        }
        switch result {
        case let .success((granted, capabilities)):
            return (Int(granted), V4L2BufferCapabilities(rawValue: capabilities))
        case let .failure(errno):
            var error = self.error(errno, .vidiocRequestBuffers, "requesting \(count) \(memory) buffers on \(type) of \(path) failed")
            if errno == .invalidArgument && memory == .dmabuf {
                error.code = .unsupported
                error.remedy = "the driver does not import dma-bufs on this queue (no V4L2_MEMORY_DMABUF); use MMAP buffers and VIDIOC_EXPBUF"
            }
            throw error
        }
    }

    /// Whether the queue imports dma-bufs, and all its buffer capabilities. Asks with
    /// `VIDIOC_REQBUFS`, count 0, `V4L2_MEMORY_DMABUF`: this allocates nothing (it releases
    /// buffers this file holds on the queue, so do not call it while streaming). A driver
    /// without DMABUF support answers EINVAL; a pre-5.0 kernel accepts without reporting
    /// capabilities, and acceptance then is the answer.
    public func bufferSupport(_ type: V4L2BufferType) throws(LinuxError) -> (dmabuf: Bool, capabilities: V4L2BufferCapabilities) {
        do {
            let (_, capabilities) = try requestBuffers(0, type: type, memory: .dmabuf)
            return (capabilities.isEmpty || capabilities.contains(.dmabuf), capabilities)
        } catch where error.code == .unsupported {
            let capabilities = (try? requestBuffers(0, type: type, memory: .mmap))?.capabilities ?? []
            return (false, capabilities)
        }
    }
}
