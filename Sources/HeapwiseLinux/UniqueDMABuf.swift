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
    /// -1 only inside a `DMABuf` after its `close()`.
    public private(set) var fd: Int32
    public let size: Int
    public let isDMABuf: Bool
    /// Inline text, not a `String`, so the value holds no reference (see `DMABufOrigin`).
    let source: DMABufOrigin
    public var origin: String { source.description }

    init(adopting fd: Int32, size: Int, origin: DMABufOrigin, isDMABuf: Bool = true) {
        self.fd = fd
        self.size = size
        self.source = origin
        self.isDMABuf = isDMABuf
    }

    deinit {
        // Errors from close(2) are not actionable (the descriptor is gone either way).
        if fd >= 0 { _ = Syscalls.close(fd) }
    }

    /// Closes the descriptor now. The buffer is consumed: the compiler rejects any later use.
    public consuming func close() {
        // Consuming `self` ends its lifetime here, and `deinit` closes the descriptor.
    }

    /// Closes the descriptor before the value goes away, for `DMABuf.close()`, which cannot
    /// consume the value it shares; later calls do nothing.
    mutating func closeEarly() {
        guard fd >= 0 else { return }
        _ = Syscalls.close(fd)
        fd = -1
    }

    /// Gives up ownership: returns the descriptor, which the caller must close.
    public consuming func releaseDescriptor() -> Int32 {
        let descriptor = fd
        discard self  // ends the value without running `deinit`
        return descriptor
    }
}
