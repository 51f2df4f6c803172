/// A dma-buf with exactly one owner: what an allocator hands out. It is a noncopyable value,
/// not an object, so allocating one costs the kernel's work and nothing more (no heap
/// object, no reference counting), and the compiler enforces what the kernel needs: the
/// descriptor is closed exactly once, when the value goes away or is consumed by `close()`,
/// and a closed buffer cannot be used.
///
/// To hand the buffer to several users (a V4L2 queue and a DRM framebuffer, a plan's image
/// list), share it: `DMABuf(buffer)` moves the descriptor into a reference-counted handle.
/// (libcamera makes the same split with `UniqueFD` and `SharedFD`.)
public struct UniqueDMABuf: ~Copyable, Sendable, DMABufHandle {
    /// Closed (-1) only inside a `DMABuf` after its `close()`.
    var descriptor: Descriptor
    public let size: Int
    public let isDMABuf: Bool
    /// Inline text, not a `String`, so the value holds no reference (see `DMABufOrigin`).
    let source: DMABufOrigin
    public var origin: String { source.description }

    init(adopting descriptor: consuming Descriptor, size: Int, origin: DMABufOrigin, isDMABuf: Bool = true) {
        self.descriptor = descriptor
        self.size = size
        self.source = origin
        self.isDMABuf = isDMABuf
    }

    /// Lends the descriptor to `body` (a driver call, another library), which must neither
    /// close nor keep it.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R {
        try descriptor.withUnsafeDescriptor(body)
    }

    /// Closes the descriptor now. The buffer is consumed: the compiler rejects any later use.
    public consuming func close() {
        // Consuming `self` ends its lifetime here, and the descriptor's `deinit` closes it.
    }

    /// Closes the descriptor before the value goes away, for `DMABuf.close()`, which cannot
    /// consume the value it shares; later calls do nothing.
    mutating func closeEarly() {
        descriptor.closeEarly()
    }

    /// Gives up ownership before the value goes away, for `DMABuf.releaseDescriptor()`.
    mutating func releaseEarly() -> Int32 {
        descriptor.takeEarly()
    }

    /// Gives up ownership: returns the descriptor, which the caller must close.
    public consuming func releaseDescriptor() -> Int32 {
        descriptor.take()
    }
}
