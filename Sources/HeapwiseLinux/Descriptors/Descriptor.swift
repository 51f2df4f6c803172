/// An open file descriptor with exactly one owner: the one type every Heapwise owner of a
/// descriptor is built on (dma-bufs, heaps, udmabuf, DRM and V4L2 nodes, sync_files).
///
/// Noncopyable, as swift-system's `IORing` is, so the compiler guarantees the descriptor is
/// closed exactly once: when the value goes away, or by the consuming `close()`, after which
/// it cannot be used. The raw number leaves only through `take()` (the caller then owns it)
/// or `withUnsafeDescriptor` (borrowed for a call into C); inside the module it goes only to
/// the syscall funnel.
public struct Descriptor: ~Copyable, Sendable {
    /// The kernel's number for the open file; -1 only after `closeEarly()`.
    @usableFromInline private(set) var rawValue: Int32

    /// Takes ownership of `rawValue`, which nothing else may close.
    @inlinable init(adopting rawValue: Int32) {
        self.rawValue = rawValue
    }

    deinit {
        // close(2) is never retried (the descriptor is gone after EINTR on Linux) and its
        // errors are not actionable: the descriptor is released either way.
        if rawValue >= 0 { _ = Syscalls.close(rawValue) }
    }

    /// Closes the descriptor now; the value is consumed and cannot be used again.
    public consuming func close() {
        // Consuming `self` ends its lifetime here, and `deinit` closes the descriptor.
    }

    /// Gives up ownership: returns the raw descriptor, which the caller must close.
    public consuming func take() -> Int32 {
        let raw = rawValue
        discard self  // ends the value without running `deinit`
        return raw
    }

    /// Lends the raw descriptor to `body` (a call into C, another library), which must not
    /// close it or keep it beyond the call.
    public borrowing func withUnsafeDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R {
        try body(rawValue)
    }

    /// A second, close-on-exec descriptor for the same open file (`F_DUPFD_CLOEXEC`), owned
    /// separately.
    public borrowing func duplicate() throws(LinuxError) -> Descriptor {
        switch Syscalls.duplicate(rawValue) {
        case let .success(copy): return Descriptor(adopting: copy)
        case let .failure(errno): throw .from(errno, node: nil, operation: .duplicate, message: "duplicating fd \(rawValue) failed")
        }
    }

    /// Closes the descriptor before the value goes away, for owners shared by reference
    /// (`DMABuf.close()`), which cannot consume what they share; later calls do nothing.
    mutating func closeEarly() {
        guard rawValue >= 0 else { return }
        _ = Syscalls.close(rawValue)
        rawValue = -1
    }

    /// Gives up ownership before the value goes away, for owners shared by reference
    /// (`DMABuf.releaseDescriptor()`): returns the raw descriptor (-1 if already closed or
    /// given up), which the caller must close.
    mutating func takeEarly() -> Int32 {
        let raw = rawValue
        rawValue = -1
        return raw
    }

    var isClosed: Bool { rawValue < 0 }
}
