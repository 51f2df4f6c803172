/// Reads a heap catalog file (`heapwise plan --heaps FILE`):
///
///     heaps:
///       - { name: system, kind: system, contiguous: false, address_bits: 64, cached: true }
///       - { name: reserved, kind: cma, contiguous: true, address_bits: 32, capacity: 64MiB }
public enum HeapCatalogParser {
    static let heapKeys = ["name", "kind", "contiguous", "address_bits", "cached", "capacity", "free", "device_shareable", "struct_pages", "exporter_remaps"]

    public static func parse(_ text: String, file: String? = nil) throws(InputError) -> HeapCatalog {
        let root = try YAMLValue.parse(text, file: file)
        let fields = try root.fields(allowed: ["heaps"], required: ["heaps"])
        guard let list = fields["heaps"] else { throw root.error(.missingKey, "missing required key 'heaps'") }
        var heaps: [Heap] = []
        for item in try list.sequence() {
            let heap = try parseHeap(item)
            guard !heaps.contains(where: { $0.name == heap.name }) else {
                throw item.error(.duplicate, "heap '\(heap.name)' is listed twice")
            }
            heaps.append(heap)
        }
        guard !heaps.isEmpty else { throw list.error("the catalog lists no heaps") }
        return HeapCatalog(heaps: heaps, origin: file ?? "heap catalog")
    }

    private static func parseHeap(_ item: YAMLValue) throws(InputError) -> Heap {
        let f = try item.fields(allowed: heapKeys, required: ["name", "kind"])
        guard let nameValue = f["name"], let kindValue = f["kind"] else { throw item.error(.missingKey, "a heap needs 'name' and 'kind'") }
        let kindText = try kindValue.string()
        guard let kind = HeapKind(rawValue: kindText) else {
            let kinds = HeapKind.allCases.map(\.rawValue)
            let hint = NameMatch.closest(to: kindText, among: kinds).map { "did you mean '\($0)'?" } ?? "kinds: \(kinds.joined(separator: ", "))"
            throw kindValue.error(.unknownName, "unknown heap kind '\(kindText)': \(hint)")
        }
        // Defaults follow the kind (`HeapKind.isContiguous`, …).
        let contiguous = try f["contiguous"]?.bool() ?? kind.isContiguous
        let addressBits = try f["address_bits"]?.int() ?? 64
        guard (12...64).contains(addressBits) else {
            throw (f["address_bits"] ?? item).error("address_bits must be between 12 and 64, got \(addressBits)")
        }
        var sizes: [Int?] = []
        for key in ["capacity", "free"] {
            let value = try f[key]?.int()
            if let value, value < 0, let node = f[key] { throw node.error("\(key) must not be negative") }
            sizes.append(value)
        }
        return Heap(
            name: try nameValue.string(), kind: kind, contiguous: contiguous, addressBits: addressBits,
            cached: try f["cached"]?.bool() ?? kind.isCached,
            capacity: sizes[0], free: sizes[1],
            deviceShareable: try f["device_shareable"]?.bool() ?? kind.isDeviceShareable,
            structPages: try f["struct_pages"]?.bool() ?? true,
            exporterRemaps: try f["exporter_remaps"]?.bool() ?? false
        )
    }
}
