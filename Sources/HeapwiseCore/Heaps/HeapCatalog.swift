/// The heaps a plan may allocate from, with where that list came from.
///
/// The catalog is data: the built-in one models a typical arm64 SoC, `--heaps FILE` loads
/// another, and live discovery of `/dev/dma_heap/*` (HeapwiseLinux) builds one from the
/// running kernel.
public struct HeapCatalog: Hashable, Sendable {
    public var heaps: [Heap]
    /// Where the list came from, shown in every plan ("built-in", a file path, "live").
    public var origin: String

    public init(heaps: [Heap], origin: String) {
        self.heaps = heaps
        self.origin = origin
    }

    /// A typical arm64 media board with 8 GiB of RAM from 0x4000_0000 (so the system heap,
    /// which takes pages from any zone, may hand out addresses up to 34 bits), and the CMA
    /// heap the kernel names `reserved` when its area comes from `CONFIG_CMA_SIZE_MBYTES` or
    /// `cma=`. On arm64 the default CMA area lies below 4 GiB (`arm64_dma_phys_limit` in
    /// `arch/arm64/mm/init.c`), hence 32 bits; 256 MiB is a common `cma=` size on such boards.
    public static let builtIn = HeapCatalog(
        heaps: [
            Heap(name: "system", kind: .system, contiguous: false, addressBits: 34, cached: true),
            Heap(name: "reserved", kind: .cma, contiguous: true, addressBits: 32, cached: true,
                 capacity: 256 << 20),
        ],
        origin: "built-in catalog (typical arm64 board, 8 GiB: system + 256 MiB CMA below 4 GiB)"
    )

    /// For each heap, the other heaps that can stand in for it (`Heap.canStandIn(for:)`):
    /// the fallback relation the resolver's ranked heap lists follow.
    public var substitutes: [(heap: String, standIns: [String])] {
        heaps.map { heap in
            (heap.name, heaps.filter { $0.name != heap.name && $0.canStandIn(for: heap) }.map(\.name))
        }
    }
}
