import CHeapwiseLinux
import HeapwiseCore
import SystemPackage

/// Something that hands out dma-bufs: a dma-buf heap, udmabuf, or the memfd fallback.
///
/// Like the kernel's `dma_heap_ops`, an allocator only allocates; the length has already
/// been validated and page-aligned once, by `allocateUnique(byteCount:)` (the kernel's
/// `dma_heap_buffer_alloc` does the same for every heap).
public protocol BufferAllocator: AnyObject {
    /// The heap's properties, as the resolver sees them.
    var heap: Heap { get }
    /// The node allocations go through, for messages.
    var node: String { get }
    /// Allocates `length` bytes: `length` is a positive multiple of the page size.
    func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf
    /// Allocates and frees `length` bytes the way a plain C program would (`baseline.c`),
    /// timing only that: what `heapwise bench alloc` compares this allocator against. A
    /// requirement, so a new allocator cannot silently be timed against another's baseline.
    func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno>
}

extension BufferAllocator {
    /// Allocates a buffer of at least `byteCount` bytes (rounded up to whole pages), refusing
    /// zero, negative and overflowing lengths, with a single owner: the cheapest form, for a
    /// buffer that one piece of code allocates, uses and frees.
    ///
    /// Inlined into the caller, with the page size a plain load and no overflow traps: under
    /// emulation (the kernel lab's qemu TCG) a separate call, a `swift_once` and the overflow
    /// checks here were a measurable part of a memfd allocate+free (`heapwise bench alloc`).
    @inlinable @inline(__always)
    public func allocateUnique(byteCount: Int) throws(LinuxError) -> UniqueDMABuf {
        // Page sizes are powers of two (4, 16 or 64 KiB), so a mask rounds without a divide;
        // the guard leaves room for the rounding, so wrapping arithmetic cannot wrap.
        let pageMask = hw_page_size() &- 1
        guard byteCount > 0, byteCount <= Int.max &- pageMask else { throw Self.invalidLength(byteCount, node: node) }
        return try allocatePageAligned((byteCount &+ pageMask) & ~pageMask)
    }

    /// Allocates like `allocateUnique(byteCount:)` and shares the buffer: the handle to give
    /// to several users (devices, a plan's image list).
    public func allocate(byteCount: Int) throws(LinuxError) -> DMABuf {
        DMABuf(try allocateUnique(byteCount: byteCount))
    }

    /// The error for a length no allocator can take; out of line, as the allocation path's
    /// cold side, so the hot path builds no message strings.
    @inline(never) @usableFromInline
    static func invalidLength(_ byteCount: Int, node: String) -> LinuxError {
        let reason = byteCount > 0 ? "the length overflows when rounded to pages" : "a buffer needs at least 1 byte"
        return LinuxError(code: .invalidLength, node: node, operation: .allocate,
                          message: "cannot allocate \(byteCount) bytes: \(reason)")
    }
}
