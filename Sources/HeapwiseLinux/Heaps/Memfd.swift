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
    public static let description = Heap(
        name: "memfd", kind: .memfd, contiguous: false, addressBits: 64, cached: true, deviceShareable: false
    )
    public let heap = Memfd.description
    public let node = "memfd"
    /// `node` as the buffers' origin, made once.
    private let origin = DMABufOrigin("memfd")

    public init() {}

    public func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
        let fd = try Self.create(length: length, sealable: false, name: "heapwise")
        return UniqueDMABuf(adopting: fd, size: length, origin: origin, isDMABuf: false)
    }

    /// A memfd of `length` bytes; `sealable` adds `MFD_ALLOW_SEALING` (udmabuf needs it).
    static func create(length: Int, sealable: Bool, name: StaticString) throws(LinuxError) -> Int32 {
        let flags = hw_MFD_CLOEXEC | (sealable ? hw_MFD_ALLOW_SEALING : 0)
        let fd: Int32
        switch Syscalls.memfdCreate(name, flags: flags) {
        case let .success(created): fd = created
        case let .failure(errno): throw .from(errno, node: "memfd", operation: "memfd_create")
        }
        if case let .failure(errno) = Syscalls.retryingInterrupts(true, { Syscalls.ftruncate(fd, length) }) {
            _ = Syscalls.close(fd)
            throw .from(errno, node: "memfd", operation: "ftruncate", message: "sizing the memfd to \(ByteCount.format(length)) failed")
        }
        return fd
    }
}
