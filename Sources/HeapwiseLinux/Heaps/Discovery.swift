import Glibc
import HeapwiseCore

/// Finds the allocators of the running kernel: `/dev/dma_heap/*`, ION's heaps (`/dev/ion`,
/// Linux 5.10 and older), `/dev/udmabuf`, and memfd (always there), and describes each as
/// the resolver's `Heap`.
public enum HeapDiscovery {
    public static let heapDirectory = "/dev/dma_heap"

    /// Names the kernel and vendors give CMA heaps: `reserved` when the area comes from
    /// `CONFIG_CMA_SIZE_MBYTES`/`cma=` (`kernel/dma/contiguous.c`), `linux,cma` or another
    /// device-tree node name, `default_cma_region` on Linux 6.17+, `default-pool` on some
    /// vendor trees.
    static let cmaNames: Set = ["reserved", "linux,cma", "default_cma_region", "default-pool"]

    /// Classifies a heap by its name; unknown names are `.other`, treated as scattered and
    /// cached (the safe assumption for placement: it never claims contiguity it lacks).
    public static func kind(ofHeapNamed name: String) -> HeapKind {
        if name == "system" { return .system }
        if name == "system-uncached" || name == "system_uncached" { return .systemUncached }
        if cmaNames.contains(name) || name.hasSuffix("cma") || name.hasPrefix("cma") { return .cma }
        if name.contains("carveout") || name.contains("secure") { return .carveout }
        return .other
    }

    /// Every heap under `directory`, sorted by name, then ION's heaps in ION's order when
    /// `ionPath` exists and this user can open it, plus udmabuf when present. Their address
    /// bits come from `ramTop`, which reads the same for every user.
    public static func discover(
        directory: String = heapDirectory, ionPath: String = IONHeap.devicePath, includeUdmabuf: Bool = true,
        ramTop: RAMTop = RAMTopReader.read()
    ) -> [DiscoveredHeap] {
        let meminfo = ProcFiles.read("/proc/meminfo") ?? ""
        let physicalBits = ramTop.addressBits
        var found: [DiscoveredHeap] = []
        for name in ((try? Syscalls.listDirectory(directory).get()) ?? []).sorted() {
            let node = directory + "/" + name
            let kind = kind(ofHeapNamed: name)
            var heap = Heap(name: name, kind: kind, addressBits: physicalBits)
            if kind == .cma {
                // The default CMA area's size is what /proc/meminfo reports as CmaTotal.
                heap.capacity = ProcFiles.meminfo("CmaTotal", from: meminfo)
                heap.free = ProcFiles.meminfo("CmaFree", from: meminfo)
                heap.addressBits = cmaAddressBits(physicalBits)
            }
            var entry = DiscoveredHeap(heap: heap, node: node, accessible: DeviceNodes.isAccessible(node, R_OK))
            if kind == .cma {
                let area = "/sys/kernel/mm/cma/\(name)/"
                entry.cmaPagesAllocated = ProcFiles.integer(area + "alloc_pages_success")
                entry.cmaPagesFailed = ProcFiles.integer(area + "alloc_pages_fail")
            }
            found.append(entry)
        }
        if case let .heaps(ion) = discoverION(path: ionPath, physicalBits: physicalBits, meminfo: meminfo) {
            found += ion
        }
        if includeUdmabuf && DeviceNodes.isAccessible(Udmabuf.devicePath, F_OK) {
            var heap = Udmabuf.description
            heap.addressBits = physicalBits
            heap.capacity = Udmabuf.sizeLimit
            found.append(DiscoveredHeap(heap: heap, node: Udmabuf.devicePath, accessible: DeviceNodes.isAccessible(Udmabuf.devicePath, R_OK | W_OK)))
        }
        return found
    }

    /// What `/dev/ion` offers this user.
    public enum IONDiscovery {
        /// The kernel has no ION (every kernel since 5.11, most before it outside Android).
        case absent
        case heaps([DiscoveredHeap])
        /// The node exists but its heaps cannot be listed (0600 root, or a pre-4.12 ION).
        case unlisted(LinuxError)
    }

    /// ION's heaps as catalog entries, `ion:<name>`, with their kind from the ION heap type.
    /// Listing them takes opening the node, so a user who cannot open it sees `.unlisted`
    /// (not an empty list: the heaps exist, this user just cannot use them).
    public static func discoverION(path: String = IONHeap.devicePath, physicalBits: Int, meminfo: String) -> IONDiscovery {
        guard DeviceNodes.isAccessible(path, F_OK) else { return .absent }
        let descriptions: [IONHeap.Description]
        do { descriptions = try IONHeap.queryHeaps(path: path) } catch { return .unlisted(error) }
        return .heaps(descriptions.map { ion in
            var heap = Heap(name: ion.catalogName, kind: ion.kind, addressBits: physicalBits, ionHeapID: ion.id)
            var entry = DiscoveredHeap(heap: heap, node: path, accessible: true)
            if ion.kind == .cma {
                // ION's CMA heap is one per CMA area, named after it (`cma_get_name`).
                heap.capacity = ProcFiles.meminfo("CmaTotal", from: meminfo)
                heap.free = ProcFiles.meminfo("CmaFree", from: meminfo)
                heap.addressBits = cmaAddressBits(physicalBits)
                entry.heap = heap
                let area = "/sys/kernel/mm/cma/\(ion.name)/"
                entry.cmaPagesAllocated = ProcFiles.integer(area + "alloc_pages_success")
                entry.cmaPagesFailed = ProcFiles.integer(area + "alloc_pages_fail")
            }
            return entry
        })
    }

    /// The catalog `heapwise plan` uses: the live heaps when this machine has any, else the
    /// built-in one (a typical board), saying which.
    public static func catalog(directory: String = heapDirectory) -> HeapCatalog {
        liveCatalog(directory: directory) ?? builtInCatalog(directory: directory)
    }

    /// The built-in catalog, labelled as standing in for a machine without `directory`.
    public static func builtInCatalog(directory: String = heapDirectory) -> HeapCatalog {
        var builtIn = HeapCatalog.builtIn
        builtIn.origin += "; this machine has no \(directory)"
        return builtIn
    }

    /// This machine's dma-buf heaps and ION heaps as a catalog, or nil when it has none.
    public static func liveCatalog(directory: String = heapDirectory, ionPath: String = IONHeap.devicePath) -> HeapCatalog? {
        let heaps = discover(directory: directory, ionPath: ionPath, includeUdmabuf: false)
        guard !heaps.isEmpty else { return nil }
        let sources = [directory] + (heaps.contains(where: \.heap.isION) ? [ionPath] : [])
        return HeapCatalog(heaps: heaps.map(\.heap), origin: "live: \(sources.joined(separator: " and ")) on this machine")
    }

    /// The default CMA area sits below 4 GiB on arm64 (`arm64_dma_phys_limit`,
    /// `arch/arm64/mm/init.c`); elsewhere it can be anywhere in RAM.
    static func cmaAddressBits(_ physicalBits: Int) -> Int {
        #if arch(arm64)
        return min(32, physicalBits)
        #else
        return physicalBits
        #endif
    }

}
