import HeapwiseCore
import HeapwiseLinux

/// A plan's buffers, allocated: the same value whether they came from this process's heaps
/// or through the broker. Each buffer is a `DMABuf` (reference-counted, closed when the last
/// holder lets go) with its layout, ready to import into devices (PRIME, V4L2 `DMABUF`) or to
/// map for the CPU with `withCPUAccess`.
public struct Allocation {
    /// One dma-buf of one image.
    public struct Buffer {
        public var image: Int
        /// Which of the image's dma-bufs (planes in separate memory regions take several).
        public var index: Int
        public var dmaBuf: DMABuf
        public var size: Int
        /// The dma-buf's inode: how `/proc/<pid>/fdinfo` and `heapwise stats` name it.
        public var inode: UInt64
        public var heap: String
        /// The planes this buffer holds, with their offsets and strides.
        public var planes: [PipelinePlan.Plane]
        /// Whether the buffer was reused from the broker's pool (zeroed first unless this
        /// connection had it last); false for a fresh buffer.
        public var reused: Bool

        /// CPU access to the whole buffer, bracketed by `DMA_BUF_IOCTL_SYNC` START/END (even
        /// when `body` throws; `body`'s error is the one reported). The mapping lasts the call.
        @discardableResult
        public func withCPUAccess<R>(_ access: CPUAccess, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R {
            try dmaBuf.withCPUAccess(access, body)
        }
    }

    /// How the buffers were obtained.
    public enum Route: Sendable, Hashable {
        /// From this machine's heaps, by this process.
        case inProcess
        /// CPU-only memfd buffers: there are no heaps to allocate from (or the plan was made
        /// against a catalog file). No device can import them; they let a pipeline run on a
        /// machine without dma-buf heaps.
        case cpuOnly
        /// Through the broker at `socket`, which knows this process as `uid`.
        case broker(socket: String, uid: UInt32)
    }

    /// The plan the buffers follow.
    public var plan: PipelinePlan.Choice
    public var width: Int
    public var height: Int
    /// The heap the buffers came from (`memfd` for CPU-only buffers).
    public var heap: String
    public var route: Route
    /// The plan's heaps that failed first, and why (in-process allocation; the broker keeps
    /// its own).
    public var failedAttempts: [FailedHeapAttempt]
    /// `images[i][b]`: buffer `b` of image `i`.
    public var images: [[Buffer]]

    /// Every buffer, image by image.
    public var buffers: [Buffer] { Array(images.joined()) }
}
