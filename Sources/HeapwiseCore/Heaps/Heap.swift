/// What kind of memory a dma-buf heap hands out. The names follow the kernel's heaps
/// (`drivers/dma-buf/heaps/system_heap.c`, `cma_heap.c`) and the common vendor ones.
public enum HeapKind: String, Hashable, Sendable, CaseIterable {
    /// `system`: pages from the buddy allocator, scattered, cached.
    case system
    /// `system-uncached` (Android, some vendor trees): scattered, write-combined.
    case systemUncached = "system-uncached"
    /// A CMA area (`reserved`, `linux,cma`, `default_cma_region`, …): contiguous, scarce.
    case cma
    /// A reserved-memory carveout with its own heap driver: contiguous, fixed size.
    case carveout
    /// `/dev/udmabuf`: memfd pages turned into a dma-buf; scattered, cached.
    case udmabuf
    /// A plain memfd: CPU memory only, not a dma-buf; no device can import it.
    case memfd
    /// A heap Heapwise does not recognise; its properties come from the catalog file.
    case other

    // The defaults below are what a heap of the kind is unless a catalog says otherwise:
    // the one place both catalog files and live discovery take them from.

    /// CMA areas and carveouts hand out physically contiguous memory; the rest scatter
    /// (an unknown heap is assumed scattered: it never claims contiguity it lacks).
    public var isContiguous: Bool { self == .cma || self == .carveout }
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

    public init(
        name: String, kind: HeapKind, contiguous: Bool, addressBits: Int, cached: Bool,
        capacity: Int? = nil, free: Int? = nil, deviceShareable: Bool = true, structPages: Bool = true, exporterRemaps: Bool = false
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
    }

    /// A heap with its kind's defaults for contiguity, caching and shareability.
    public init(name: String, kind: HeapKind, addressBits: Int, capacity: Int? = nil, free: Int? = nil) {
        self.init(name: name, kind: kind, contiguous: kind.isContiguous, addressBits: addressBits, cached: kind.isCached,
                  capacity: capacity, free: free, deviceShareable: kind.isDeviceShareable)
    }

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
