/// What kind of memory a heap hands out. The names follow the kernel's dma-buf heaps
/// (`drivers/dma-buf/heaps/system_heap.c`, `cma_heap.c`), the common vendor ones, and the
/// heap types of ION (`enum ion_heap_type`, `drivers/staging/android/uapi/ion.h`, ≤ 5.10).
public enum HeapKind: String, Hashable, Sendable, CaseIterable {
    /// `system`: pages from the buddy allocator, scattered, cached.
    case system
    /// `system-uncached` (Android, some vendor trees): scattered, write-combined.
    case systemUncached = "system-uncached"
    /// A CMA area (`reserved`, `linux,cma`, `default_cma_region`, …): contiguous, scarce.
    case cma
    /// A reserved-memory carveout with its own heap driver: contiguous, fixed size
    /// (`ION_HEAP_TYPE_CARVEOUT` too).
    case carveout
    /// ION's `ION_HEAP_TYPE_SYSTEM_CONTIG`: `kmalloc`'d, so physically contiguous and cached,
    /// and limited to what the page allocator can find in one piece.
    case systemContig = "system-contig"
    /// ION's `ION_HEAP_TYPE_CHUNK`: a reserved region handed out in fixed-size chunks, each
    /// contiguous, the buffer as a whole not.
    case chunk
    /// `/dev/udmabuf`: memfd pages turned into a dma-buf; scattered, cached.
    case udmabuf
    /// A plain memfd: CPU memory only, not a dma-buf; no device can import it.
    case memfd
    /// A heap Heapwise does not recognise; its properties come from the catalog file.
    case other

    // The defaults below are what a heap of the kind is unless a catalog says otherwise:
    // the one place both catalog files and live discovery take them from.

    /// CMA areas, carveouts and ION's contiguous system heap hand out physically contiguous
    /// memory; the rest scatter (an unknown heap is assumed scattered: it never claims
    /// contiguity it lacks).
    public var isContiguous: Bool { self == .cma || self == .carveout || self == .systemContig }
    /// Only the uncached system heap maps write-combined.
    public var isCached: Bool { self != .systemUncached }
    /// Every kind but memfd is a dma-buf a device can import.
    public var isDeviceShareable: Bool { self != .memfd }
}

/// The properties of one heap that decide whether a buffer may come from it.
public struct Heap: Hashable, Sendable {
    public var name: String
    public var kind: HeapKind
    /// Physically contiguous allocations (CMA, carveouts).
    public var contiguous: Bool
    /// Highest physical address bit the heap may hand out: 32 for a CMA area below 4 GiB,
    /// 64 for the system heap, which allocates from any zone.
    public var addressBits: Int
    /// Whether the CPU maps the memory cached. Uncached heaps satisfy `cache: uncached`.
    public var cached: Bool
    /// Total bytes, where known (a CMA area's size); nil = limited only by system memory.
    public var capacity: Int?
    /// Free bytes right now, where known.
    public var free: Int?
    /// Whether devices can import the buffers (false only for memfd).
    public var deviceShareable: Bool
    /// Whether the memory has `struct page`s. A reserved-memory carve-out marked `no-map`
    /// has none: its dma-buf exporter can hand out physical addresses, but an importer
    /// behind an IOMMU cannot build a scatterlist of pages or pin them to map the buffer
    /// itself (`catalog key struct_pages: false`).
    public var structPages: Bool
    /// Whether the exporter maps the buffer for every importer, so importers use the
    /// exporter's addresses and spend none of their own IOVA: a remapping unit such as
    /// OMAP's DMM/TILER, which presents scattered or tiled memory at one contiguous address
    /// (`exporter_remaps: true`).
    public var exporterRemaps: Bool
    /// For a heap of ION (`/dev/ion`, Linux 4.12 to 5.10), its heap id: allocations ask for
    /// it as bit `1 << id` of `ION_IOC_ALLOC`'s mask. Nil for dma-buf heaps, udmabuf and memfd.
    ///
    /// Where a kernel has both, a dma-buf heap is preferred over an ION heap of the same
    /// kind (`PlanRank.heapInterface`): ION is a staging driver whose uapi changed twice and
    /// that left the kernel in 5.11, every ION buffer has the exporter name `ion` whatever its
    /// heap (so accounting cannot tell its heaps apart), and a dma-buf heap is the interface
    /// the same kernel keeps.
    public var ionHeapID: Int?

    public init(
        name: String, kind: HeapKind, contiguous: Bool, addressBits: Int, cached: Bool,
        capacity: Int? = nil, free: Int? = nil, deviceShareable: Bool = true, structPages: Bool = true, exporterRemaps: Bool = false,
        ionHeapID: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.contiguous = contiguous
        self.addressBits = addressBits
        self.cached = cached
        self.capacity = capacity
        self.free = free
        self.deviceShareable = deviceShareable
        self.structPages = structPages
        self.exporterRemaps = exporterRemaps
        self.ionHeapID = ionHeapID
    }

    /// A heap with its kind's defaults for contiguity, caching and shareability.
    public init(name: String, kind: HeapKind, addressBits: Int, capacity: Int? = nil, free: Int? = nil, ionHeapID: Int? = nil) {
        self.init(name: name, kind: kind, contiguous: kind.isContiguous, addressBits: addressBits, cached: kind.isCached,
                  capacity: capacity, free: free, deviceShareable: kind.isDeviceShareable, ionHeapID: ionHeapID)
    }

    /// Whether the heap is one of ION's (`ionHeapID`).
    public var isION: Bool { ionHeapID != nil }

    /// Whether this heap's buffers are acceptable wherever `other`'s are: at least as
    /// contiguous, addressable by at least as narrow a DMA mask, no more cached, and as
    /// shareable. Capacity is not part of the relation: it changes at run time.
    public func canStandIn(for other: Heap) -> Bool {
        (contiguous || !other.contiguous)
            && addressBits <= other.addressBits
            && (!cached || other.cached)
            && (deviceShareable || !other.deviceShareable)
            && (structPages || !other.structPages)
            && (exporterRemaps || !other.exporterRemaps)
    }

    /// Whether `preference` (a heap name or kind from a profile's `heaps:` list) names this heap.
    public func matches(preference: String) -> Bool {
        preference == name || preference == kind.rawValue
    }
}
