import HeapwiseCore

/// Something that hands out dma-bufs: a dma-buf heap, udmabuf, or the memfd fallback.
///
/// Like the kernel's `dma_heap_ops`, an allocator only allocates; the length has already
/// been validated and page-aligned once, by `allocate(byteCount:)` (the kernel's
/// `dma_heap_buffer_alloc` does the same for every heap).
public protocol BufferAllocator: AnyObject {
    /// The heap's properties, as the resolver sees them.
    var heap: Heap { get }
    /// The node allocations go through, for messages.
    var node: String { get }
    /// Allocates `length` bytes: `length` is a positive multiple of the page size.
    func allocatePageAligned(_ length: Int) throws(LinuxError) -> DMABuf
}

extension BufferAllocator {
    /// Allocates a buffer of at least `byteCount` bytes (rounded up to whole pages).
    public func allocate(byteCount: Int) throws(LinuxError) -> DMABuf {
        try allocatePageAligned(try Self.pageAligned(byteCount, node: self.node))
    }

    /// Rounds up to whole pages, refusing zero, negative and overflowing lengths.
    static func pageAligned(_ byteCount: Int, node: @autoclosure () -> String) throws(LinuxError) -> Int {
        guard byteCount > 0 else {
            throw LinuxError(code: .invalidLength, node: node(), operation: "allocate",
                             message: "cannot allocate \(byteCount) bytes: a buffer needs at least 1 byte")
        }
        let pageMask = Syscalls.pageSize - 1
        let (sum, overflow) = byteCount.addingReportingOverflow(pageMask)
        guard !overflow else {
            throw LinuxError(code: .invalidLength, node: node(), operation: "allocate",
                             message: "cannot allocate \(byteCount) bytes: the length overflows when rounded to pages")
        }
        // Page sizes are powers of two (4, 16 or 64 KiB), so a mask rounds down without a divide.
        return sum & ~pageMask
    }
}
