import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// One heap of ION (`/dev/ion`, `drivers/staging/android/ion`): the Android allocator the
/// dma-buf heaps replaced. It was in the kernel's staging tree until Linux 5.10 and left in
/// 5.11; vendor kernels of that age still ship it, often as the only allocator.
///
/// Only the uapi of 4.12 and later is spoken (AOSP's libion calls it the "new" interface):
/// `ION_IOC_HEAP_QUERY` names the heaps with their type and id, and `ION_IOC_ALLOC` with a
/// mask of heap ids returns a dma-buf descriptor, so everything downstream (CPU access,
/// names, PRIME and V4L2 import, pools, accounting) treats an ION buffer as any other.
///
/// Buffers are allocated cached (`ION_FLAG_CACHED`), as the system dma-buf heap's are:
/// without the flag ION maps them write-combined for the CPU (`ion_mmap`), which makes every
/// CPU read slow, and no plan asks for that unless it says `cache: uncached`.
public final class IONHeap: BufferAllocator {
    public static let devicePath = "/dev/ion"
    /// Catalog names are `ion:<kernel name>`: ION's CMA heap has the CMA area's name
    /// (`reserved`), the same as the dma-buf CMA heap of the same kernel.
    public static let namePrefix = "ion:"

    public let heap: Heap
    public let node: String
    /// `1 << id`: ION tries every heap of the mask, so exactly one bit keeps the buffer on
    /// the heap the plan chose (falling back is `PlanAllocator`'s decision, which it reports).
    private let mask: UInt32
    private let origin: DMABufOrigin
    private let device: Descriptor

    /// Opens `/dev/ion` for `heap`, which must be an ION heap of the catalog (`ionHeapID`).
    public init(_ heap: Heap, path: String = IONHeap.devicePath) throws(LinuxError) {
        guard let id = heap.ionHeapID, (0..<Int(hw_ION_NUM_HEAP_IDS)).contains(id) else {
            throw LinuxError(code: .invalidArgument, node: path, operation: .ionAlloc,
                             message: "heap '\(heap.name)' has no ION heap id between 0 and \(hw_ION_NUM_HEAP_IDS - 1)",
                             remedy: "ION heaps come from 'heapwise heaps' on a kernel with /dev/ion (Linux 5.10 and older)")
        }
        self.heap = heap
        self.node = path
        self.mask = 1 << UInt32(id)
        self.origin = DMABufOrigin(path)
        device = try Self.open(path)
    }

    /// The heap's allocation: `ION_IOC_ALLOC` with this heap's bit alone.
    public func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
        switch Syscalls.retryingInterrupts(true, { Syscalls.ionAlloc(device.rawValue, length: UInt64(length), heapMask: mask) }) {
        case let .success(bufferFD):
            return UniqueDMABuf(adopting: Descriptor(adopting: bufferFD), size: length, origin: origin)
        case let .failure(errno):
            var error = LinuxError.from(errno, node: node, operation: .ionAlloc,
                                        message: "allocating \(ByteCount.format(length)) from ION heap '\(heap.name)' failed")
            if errno == .operationNotSupportedByDevice {
                // ion_alloc: no heap of the mask exists (any more). `from` already says notFound.
                error.remedy = "ION has no heap with id \(mask.trailingZeroBitCount); 'heapwise heaps' lists the heaps it has"
            }
            throw error
        }
    }

    /// The same allocate+free as a plain C loop (`hw_baseline_ion`), for `heapwise bench alloc`.
    public func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> {
        Syscalls.baseline { hw_baseline_ion(device.rawValue, UInt64(length), mask, &$0) }
    }

    // MARK: Heap query

    /// One heap as `ION_IOC_HEAP_QUERY` describes it.
    public struct Description: Hashable, Sendable {
        /// The kernel's name: `ion_system_heap`, `ion_system_contig_heap`, or a CMA area's.
        public var name: String
        /// `enum ion_heap_type`.
        public var type: UInt32
        public var id: Int

        public init(name: String, type: UInt32, id: Int) {
            self.name = name
            self.type = type
            self.id = id
        }

        /// The heap kind of an ION heap type. `ION_HEAP_TYPE_DMA` is ION's CMA heap
        /// (`ion_cma_heap.c` allocates with `cma_alloc`); `ION_HEAP_TYPE_CUSTOM` and vendor
        /// types above it are unknown, so `.other` (assumed scattered and cached).
        public var kind: HeapKind {
            switch type {
            case hw_ION_HEAP_TYPE_SYSTEM: .system
            case hw_ION_HEAP_TYPE_SYSTEM_CONTIG: .systemContig
            case hw_ION_HEAP_TYPE_CARVEOUT: .carveout
            case hw_ION_HEAP_TYPE_CHUNK: .chunk
            case hw_ION_HEAP_TYPE_DMA: .cma
            default: .other
            }
        }

        /// The name the catalog uses: `ion:ion_system_heap`, `ion:reserved`.
        public var catalogName: String { IONHeap.namePrefix + name }
    }

    /// ION's heaps, in the kernel's order (highest priority first, which is id order).
    public static func queryHeaps(path: String = devicePath) throws(LinuxError) -> [Description] {
        let device = try open(path)
        let count: UInt32
        switch Syscalls.ionHeapCount(device.rawValue) {
        case let .success(value): count = value
        case let .failure(errno): throw queryError(errno, path: path)
        }
        // ION ids are bits of a 32-bit mask, so a larger count is not an ION answer.
        guard count > 0 else { return [] }
        guard count <= hw_ION_NUM_HEAP_IDS else {
            throw LinuxError(code: .failed, node: path, operation: .ionHeapQuery,
                             message: "ION reports \(count) heaps, more than the \(hw_ION_NUM_HEAP_IDS) ids a heap mask can name")
        }
        switch Syscalls.ionQueryHeaps(device.rawValue, max: Int(count)) {
        case let .success(heaps):
            return heaps.map { raw in
                let name = withUnsafeBytes(of: raw.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return Description(name: name, type: raw.type, id: Int(raw.heap_id))
            }
        case let .failure(errno): throw queryError(errno, path: path)
        }
    }

    /// `/dev/ion` opened read-only, as AOSP's libion opens it: the ioctls need no write access.
    private static func open(_ path: String) throws(LinuxError) -> Descriptor {
        try DeviceNodes.open(path, O_RDONLY | O_CLOEXEC, message: "cannot open ION",
                             missing: "this kernel has no ION (it left the kernel in 5.11; CONFIG_ION on older ones)")
    }

    private static func queryError(_ errno: Errno, path: String) -> LinuxError {
        var error = LinuxError.from(errno, node: path, operation: .ionHeapQuery, message: "listing ION's heaps failed")
        if error.code == .unsupported {
            error.remedy = "this ION predates ION_IOC_HEAP_QUERY (Linux 4.12); its older uapi, with handles, is not supported"
        }
        return error
    }
}
