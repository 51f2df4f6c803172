import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// The CPU-only fallback: anonymous shared memory from `memfd_create(2)`.
///
/// It is not a dma-buf: no device can import it and the dma-buf ioctls do not apply. Heapwise
/// labels it *not device-shareable* everywhere, and the resolver never picks it for a plan
/// with a device participant unless the user asks.
public final class Memfd: BufferAllocator {
    public static let description = Heap(name: "memfd", kind: .memfd, addressBits: 64)
    public let heap = Memfd.description
    public let node = "memfd"
    /// `node` as the buffers' origin, made once.
    private let origin = DMABufOrigin("memfd")

    public init() {}

    public func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
        UniqueDMABuf(adopting: try Self.create(length: length, sealable: false, name: "heapwise"), size: length, origin: origin, isDMABuf: false)
    }

    /// A memfd of `length` bytes; `sealable` adds `MFD_ALLOW_SEALING` (udmabuf needs it).
    static func create(length: Int, sealable: Bool, name: StaticString) throws(LinuxError) -> Descriptor {
        let flags = hw_MFD_CLOEXEC | (sealable ? hw_MFD_ALLOW_SEALING : 0)
        let memfd: Descriptor
        switch Syscalls.memfdCreate(name, flags: flags) {
        case let .success(created): memfd = Descriptor(adopting: created)
        case let .failure(errno): throw .from(errno, node: "memfd", operation: .memfdCreate)
        }
        let raw = memfd.rawValue  // a closure cannot capture the noncopyable owner itself
        if case let .failure(errno) = Syscalls.retryingInterrupts(true, { Syscalls.ftruncate(raw, length) }) {
            throw .from(errno, node: "memfd", operation: .ftruncate, message: "sizing the memfd to \(ByteCount.format(length)) failed")
        }
        return memfd
    }

    /// A memfd of `length` bytes that carries `F_SEAL_SHRINK`, as udmabuf requires: its pages
    /// cannot be truncated away under a device (udmabuf buffers, `HostMemory`).
    static func createSealedAgainstShrinking(length: Int, name: StaticString) throws(LinuxError) -> Descriptor {
        let memfd = try create(length: length, sealable: true, name: name)
        if case let .failure(errno) = Syscalls.addSeals(memfd.rawValue, hw_F_SEAL_SHRINK) {
            throw .from(errno, node: "memfd", operation: .addSeals, message: "sealing the memfd against shrinking failed")
        }
        return memfd
    }

    /// The same allocate+free as a plain C loop (`hw_baseline_memfd`), for `heapwise bench alloc`.
    public func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> {
        Syscalls.baseline { hw_baseline_memfd(UInt64(length), &$0) }
    }
}
