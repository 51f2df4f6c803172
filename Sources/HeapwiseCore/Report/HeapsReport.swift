/// `heapwise heaps`: this machine's allocators and what this user can do with each.
public struct HeapsReport: Hashable, Sendable {
    public var heaps: [DiscoveredHeap]
    /// The end of RAM the heaps' address bits come from, and its source.
    public var ramTop: RAMTop
    /// Where dma-buf heaps live (`/dev/dma_heap`), for the "this machine has none" note.
    public var heapDirectory: String
    /// What to do about a node this user cannot open.
    public var inaccessibleRemedy: String
    /// What else this user should know about the machine's allocators (ION heaps it cannot list).
    public var notes: [String]

    public init(heaps: [DiscoveredHeap], ramTop: RAMTop, heapDirectory: String, inaccessibleRemedy: String, notes: [String] = []) {
        self.notes = notes
        self.heaps = heaps
        self.ramTop = ramTop
        self.heapDirectory = heapDirectory
        self.inaccessibleRemedy = inaccessibleRemedy
    }

    public var text: String {
        var table = TextTable(["heap", "kind", "node", "contiguous", "cached", "addr bits", "capacity", "free", "devices", "you"])
        for entry in heaps {
            let heap = entry.heap
            table.append([
                heap.name, heap.kind.rawValue, entry.node, heap.contiguous ? "yes" : "no", heap.cached ? "yes" : "no",
                "\(heap.addressBits)", heap.capacity.map(ByteCount.format) ?? "-", heap.free.map(ByteCount.format) ?? "-",
                heap.deviceShareable ? "yes" : "no (CPU only)", entry.accessible ? "can allocate" : "no access",
            ])
        }
        var lines = [table.render(), "", ramText]
        if !heaps.contains(where: { $0.heap.kind != .memfd && $0.heap.kind != .udmabuf }) && notes.isEmpty {
            lines.append("\nThis machine has no \(heapDirectory): plans use the built-in catalog, and allocation falls back to CPU-only memfd.")
        }
        for entry in heaps {
            if let failed = entry.cmaPagesFailed, let allocated = entry.cmaPagesAllocated {
                lines.append("\(entry.heap.name): CMA area pages allocated \(allocated), failed \(failed) (/sys/kernel/mm/cma/\(entry.heap.name))")
            }
        }
        for entry in heaps where !entry.accessible {
            lines.append("note: \(entry.node): \(inaccessibleRemedy)")
        }
        lines += notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }

    /// `RAM ends at 0x40000000 (30 address bits), from /proc/zoneinfo`.
    var ramText: String {
        guard let end = ramTop.end else {
            return "RAM: no source of its end is readable (\(RAMTop.Source.allCases.dropLast().map(\.rawValue).joined(separator: ", "))): 64 address bits assumed"
        }
        return "RAM ends at 0x\(String(end, radix: 16)) (\(ramTop.addressBits) address bits), from \(ramTop.source.rawValue)"
    }

    public var json: JSON {
        .object([
            ("ram", .object([
                ("end", ramTop.end.map { .int(Int(clamping: $0)) } ?? .null),
                ("address_bits", .int(ramTop.addressBits)),
                ("source", .string(ramTop.source.rawValue)),
            ])),
            ("heaps", heapsJSON),
            ("notes", .array(notes.map(JSON.string))),
        ])
    }

    private var heapsJSON: JSON {
        .array(heaps.map { entry in
            .object([
                ("name", .string(entry.heap.name)),
                ("kind", .string(entry.heap.kind.rawValue)),
                ("node", .string(entry.node)),
                ("ion_heap_id", entry.heap.ionHeapID.map(JSON.int) ?? .null),
                ("contiguous", .bool(entry.heap.contiguous)),
                ("cached", .bool(entry.heap.cached)),
                ("address_bits", .int(entry.heap.addressBits)),
                ("capacity", entry.heap.capacity.map(JSON.int) ?? .null),
                ("free", entry.heap.free.map(JSON.int) ?? .null),
                ("device_shareable", .bool(entry.heap.deviceShareable)),
                ("accessible", .bool(entry.accessible)),
                ("cma_pages_allocated", entry.cmaPagesAllocated.map(JSON.int) ?? .null),
                ("cma_pages_failed", entry.cmaPagesFailed.map(JSON.int) ?? .null),
            ])
        })
    }
}
