/// A shared dma-buf: a reference-counted owner of the descriptor, closed exactly once, when
/// the last reference goes away or `close()` is called. This is the handle to give several
/// users (a plan, a V4L2 stream that imports it, a DRM framebuffer); a buffer with a single
/// owner is a `UniqueDMABuf`, which needs no object of its own.
///
/// Allocation and mapping are separate: a `DMABuf` is only the buffer; CPU access is scoped
/// (`withCPUAccess`) and device import happens elsewhere.
public final class DMABuf: DMABufHandle {
    /// The single owner this object shares. Exclusivity is not checked at run time: only
    /// `close()` writes it, and a `DMABuf` is not shared across threads (it is not `Sendable`).
    @exclusivity(unchecked) private var buffer: UniqueDMABuf

    public var size: Int { buffer.size }
    public var origin: String { buffer.origin }
    public var isDMABuf: Bool { buffer.isDMABuf }

    /// Shares a uniquely owned buffer: it moves into the new object, descriptor and all.
    public init(_ buffer: consuming UniqueDMABuf) {
        self.buffer = buffer
    }

    convenience init(adopting descriptor: consuming Descriptor, size: Int, origin: String, isDMABuf: Bool = true) {
        self.init(UniqueDMABuf(adopting: descriptor, size: size, origin: DMABufOrigin(origin), isDMABuf: isDMABuf))
    }

    /// Lends the descriptor (-1 once closed) to `body`, which must neither close nor keep it.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R {
        try buffer.withUnsafeDescriptor(body)
    }

    /// Closes the descriptor now, for every holder of this object; later calls do nothing.
    /// Otherwise it closes when the last reference goes away. Using the buffer afterwards,
    /// including from inside its own `withCPUAccess` body, is a programmer error and traps
    /// (an ioctl on a closed descriptor could reach whatever file reused its number).
    public func close() {
        buffer.closeEarly()
    }

    /// Gives the descriptor to the caller, who must close it, for every holder of this object
    /// (the C API's `heapwise_buffer_take_fd`); -1 when it was closed or given up already.
    /// Later use of the buffer traps, as after `close()`.
    public func releaseDescriptor() -> Int32 {
        buffer.releaseEarly()
    }
}
