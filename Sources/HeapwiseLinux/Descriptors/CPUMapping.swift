import CHeapwiseLinux

/// CPU access that spans calls instead of a closure: begun by `init` (map, then
/// `DMA_BUF_IOCTL_SYNC` with `DMA_BUF_SYNC_START`), ended by `end()` (`DMA_BUF_SYNC_END`, then
/// unmap). For callers that cannot pass a body to `withCPUAccess`: the C API's
/// `heapwise_buffer_begin_cpu_access` / `_end_cpu_access` pair, like the kernel's own
/// `dma_buf_begin_cpu_access` / `dma_buf_end_cpu_access`.
///
/// The mapping holds the buffer, so it cannot outlive it; one that is never ended is ended
/// (and unmapped) when it goes away.
public final class CPUMapping {
    /// The buffer's bytes, `MAP_SHARED`: the device's memory, not a copy. Valid until `end()`.
    public let bytes: UnsafeMutableRawBufferPointer
    public let access: CPUAccess
    private let buffer: DMABuf
    public private(set) var isEnded = false

    /// Maps `buffer` and starts CPU access; on a failed START the mapping is undone.
    public init(_ buffer: DMABuf, _ access: CPUAccess, retryOnInterrupt: Bool = true) throws(LinuxError) {
        let address = try buffer.mapForCPU(access)
        if buffer.isDMABuf {
            do {
                try buffer.sync(hw_DMA_BUF_SYNC_START | access.syncFlags, retry: retryOnInterrupt)
            } catch {
                _ = Syscalls.munmap(address, length: buffer.size)
                throw error
            }
        }
        self.buffer = buffer
        self.access = access
        bytes = UnsafeMutableRawBufferPointer(start: address, count: buffer.size)
    }

    /// Ends CPU access and unmaps; the mapping is gone even when the END sync fails (whose
    /// error is reported). Later calls do nothing.
    public func end(retryOnInterrupt: Bool = true) throws(LinuxError) {
        guard !isEnded else { return }
        isEnded = true
        defer { if let base = bytes.baseAddress { _ = Syscalls.munmap(base, length: bytes.count) } }
        if buffer.isDMABuf { try buffer.sync(hw_DMA_BUF_SYNC_END | access.syncFlags, retry: retryOnInterrupt) }
    }

    deinit {
        try? end()
    }
}
