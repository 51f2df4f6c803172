import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// A dma-buf heap: `/dev/dma_heap/<name>` (`drivers/dma-buf/dma-heap.c`).
///
/// The node is opened once, read-only (the heap ioctl needs no write access), and kept open
/// for the allocator's lifetime, so each allocation is a single `DMA_HEAP_IOCTL_ALLOC`.
public final class DMAHeap: BufferAllocator {
    public let heap: Heap
    public let node: String
    /// `node` as the buffers' origin, made once.
    private let origin: DMABufOrigin
    private let device: Descriptor

    /// Opens the heap's node. Throws `.notFound` when the kernel has no such heap and
    /// `.permissionDenied` when this user may not open it.
    public init(_ heap: Heap, directory: String = HeapDiscovery.heapDirectory) throws(LinuxError) {
        let path = directory + "/" + heap.name
        self.heap = heap
        self.node = path
        self.origin = DMABufOrigin(path)
        device = try DeviceNodes.open(path, O_RDONLY | O_CLOEXEC, message: "cannot open dma-buf heap '\(heap.name)'")
    }

    /// The corresponding ioctl is `DMA_HEAP_IOCTL_ALLOC`, with `fd_flags = O_RDWR | O_CLOEXEC`
    /// so the buffer can be mapped writable and does not leak into child processes.
    public func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
        switch Syscalls.retryingInterrupts(true, { Syscalls.dmaHeapAlloc(device.rawValue, length: UInt64(length)) }) {
        case let .success(bufferFD):
            return UniqueDMABuf(adopting: Descriptor(adopting: bufferFD), size: length, origin: origin)
        case let .failure(errno):
            var error = LinuxError.from(errno, node: node, operation: .dmaHeapAlloc,
                                        message: "allocating \(ByteCount.format(length)) from heap '\(heap.name)' failed")
            if errno == .invalidArgument {
                error.remedy = "the kernel refused the length; dma-heap rejects a buffer larger than all of RAM"
            }
            throw error
        }
    }

    /// The same allocate+free as a plain C loop (`hw_baseline_heap`), for `heapwise bench alloc`.
    public func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> {
        Syscalls.baseline { hw_baseline_heap(device.rawValue, UInt64(length), &$0) }
    }
}
