import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// Pages this process owns and maps (a sealed memfd and its shared mapping) that a VFIO
/// container can pin at an IOVA and that udmabuf can then export as a dma-buf.
///
/// Why not a heap's dma-buf: VFIO type1 pins a buffer through its CPU mapping
/// (`pin_user_pages` on the process's address), and a dma-buf heap's mapping is a PFN
/// mapping, which it refuses with EFAULT. A memfd's pages pin. The order matters too: pin
/// them (map them into every device's space) *before* udmabuf takes its references, because
/// pinning for the long term migrates pages out of the CMA area first, and a page udmabuf
/// already holds cannot move (the pin then fails with ENOMEM). `export(through:)` comes last.
public final class HostMemory {
    public let length: Int
    public let address: UnsafeMutableRawPointer
    private let memfd: Descriptor

    /// `length` bytes, rounded up to whole pages, zero-filled.
    public init(length: Int) throws(LinuxError) {
        // The allocators' own rounding and length check (`BufferAllocator.allocateUnique`).
        let pageMask = Syscalls.pageSize - 1
        guard length > 0, length <= Int.max - pageMask else { throw Memfd.invalidLength(length, node: "memfd") }
        let rounded = (length + pageMask) & ~pageMask
        let memfd = try Memfd.createSealedAgainstShrinking(length: rounded, name: "heapwise-host")
        switch Syscalls.mmap(memfd.rawValue, length: rounded, protection: PROT_READ | PROT_WRITE) {
        case let .success(mapped): address = mapped
        case let .failure(errno): throw .from(errno, node: "memfd", operation: .mmap, message: "mapping \(ByteCount.format(rounded)) of host memory failed")
        }
        self.length = rounded
        self.memfd = memfd
    }

    deinit { _ = Syscalls.munmap(address, length: length) }

    /// The memory, for the CPU. Devices writing it are ordered with the CPU by the caller
    /// (a VFIO device's completion register, a dma-buf's `DMA_BUF_IOCTL_SYNC` once exported).
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: address, count: length) }

    /// The same pages as a dma-buf (`UDMABUF_CREATE`), for devices that import dma-bufs. The
    /// memory stays valid on its own; the dma-buf holds its own page references.
    public func export(through udmabuf: Udmabuf) throws(LinuxError) -> UniqueDMABuf {
        try udmabuf.create(fromMemfd: memfd.rawValue, offset: 0, size: length)
    }
}
