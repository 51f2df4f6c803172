import Glibc
import HeapwiseCore

/// Who holds a pooled buffer. Ownership is what decides zeroing: bytes one owner wrote never
/// reach another. An owner is whatever the caller says it is (a pipeline, a client of the
/// broker, a uid); the pool only compares them.
public struct PoolOwner: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "owner \(rawValue)" }
}

/// What makes two buffers interchangeable: the allocator they came from and their size.
/// Its hash is computed once, when the key is made: a reuse looks its list up a few times, and
/// hashing the node's text each time was most of a warm acquire + release.
public struct PoolKey: Hashable, Sendable, CustomStringConvertible {
    /// The allocator's node (`/dev/dma_heap/system`, `/dev/udmabuf`, `memfd`).
    public let node: String
    /// The heap's name, for statistics and trimming by heap.
    public let heap: String
    /// Page-aligned bytes.
    public let size: Int
    private let hash: Int

    public init(node: String, heap: String, size: Int) {
        self.node = node
        self.heap = heap
        self.size = size
        var hasher = Hasher()
        hasher.combine(node)
        hasher.combine(size)
        hash = hasher.finalize()
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    public static func == (a: PoolKey, b: PoolKey) -> Bool { a.hash == b.hash && a.size == b.size && a.node == b.node }
    public var description: String { "\(heap) \(ByteCount.format(size))" }
}

/// One buffer the pool manages, with the CPU mapping it keeps for the buffer's whole life, so
/// reuse never pays for `mmap`, page faults or `munmap` again. Its state is guarded by the
/// pool's lock; the mapping's bytes are touched only by whoever holds the buffer.
final class PoolEntry: @unchecked Sendable {
    let buffer: DMABuf
    let key: PoolKey
    /// `MAP_SHARED`, read-write, over the whole buffer.
    let mapping: UnsafeMutableRawBufferPointer
    /// Who held it last; nil only before its first lease (fresh from the kernel: zeros).
    var lastOwner: PoolOwner?
    /// The last owner released it asking to keep its contents for itself.
    var keptForLastOwner = false
    /// When it went idle, for trimming by age.
    var idleSince: ContinuousClock.Instant = .now
    /// The inode, read once (`fstat`): a pooled buffer's identity across leases.
    let inode: UInt64

    /// Maps `buffer` (a fresh allocation, whose pages the kernel zeroed) and writes a zero into
    /// every page once (a CPU write, so bracketed by `DMA_BUF_IOCTL_SYNC`), so later users never
    /// fault: a read would leave a write fault per page for the first writer. Everything that
    /// can fail happens before the object exists, so a failure unmaps exactly once.
    init(_ buffer: consuming UniqueDMABuf, key: PoolKey) throws(LinuxError) {
        let shared = DMABuf(buffer)
        let size = shared.size
        let mapping: UnsafeMutableRawBufferPointer
        switch Syscalls.mmap(shared.fd, length: size, protection: PROT_READ | PROT_WRITE) {
        case let .success(address): mapping = UnsafeMutableRawBufferPointer(start: address, count: size)
        case let .failure(errno):
            throw LinuxError.from(errno, node: shared.origin, operation: .mmap, message: "mapping the \(size)-byte pooled buffer failed")
        }
        do {
            inode = try shared.inode()
            // Fault every page in now, writable: the price a fresh buffer pays at its first CPU
            // touch, paid once per buffer instead of once per use. Zero over zero keeps the
            // kernel's zeroed contents.
            try LinuxError.duringCPUAccess(of: shared.origin) {
                try shared.withSync(.write) {
                    for offset in stride(from: 0, to: size, by: Syscalls.pageSize) { mapping[offset] = 0 }
                }
            }
        } catch {
            _ = Syscalls.munmap(mapping.baseAddress.unsafelyUnwrapped, length: size)
            throw error
        }
        self.buffer = shared
        self.key = key
        self.mapping = mapping
    }

    deinit {
        if let base = mapping.baseAddress { _ = Syscalls.munmap(base, length: mapping.count) }
        // `buffer`'s descriptor closes when this last reference goes.
    }

    /// Brackets `body` with `DMA_BUF_IOCTL_SYNC` START/END for `access` (memfd has none), on
    /// the kept mapping; the body's error wins over END's.
    func withSync<R>(_ access: CPUAccess, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R {
        try buffer.withSync(access) { try body(mapping) }
    }

    /// Overwrites every byte with zero through the kept mapping, as a CPU write bracketed by
    /// `DMA_BUF_IOCTL_SYNC` (so a non-coherent device sees the zeros, not stale cache lines).
    func zero() throws(LinuxError) {
        try LinuxError.duringCPUAccess(of: buffer.origin) {
            try withSync(.write) { bytes in
                if let base = bytes.baseAddress { memset(base, 0, bytes.count) }
            }
        }
    }
}
