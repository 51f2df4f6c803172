import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

struct Heaps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List this machine's allocators: dma-buf heaps, udmabuf and the memfd fallback."
    )

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() {
        var found = HeapDiscovery.discover()
        found.append(DiscoveredHeap(heap: Memfd.description, node: "memfd_create(2)", accessible: true))
        if json {
            print(JSON.array(found.map(\.json)).serialized())
            return
        }
        var table = TextTable(["heap", "kind", "node", "contiguous", "cached", "addr bits", "capacity", "free", "devices", "you"])
        for entry in found {
            let heap = entry.heap
            table.append([
                heap.name, heap.kind.rawValue, entry.node, heap.contiguous ? "yes" : "no", heap.cached ? "yes" : "no",
                "\(heap.addressBits)", heap.capacity.map(ByteCount.format) ?? "-", heap.free.map(ByteCount.format) ?? "-",
                heap.deviceShareable ? "yes" : "no (CPU only)", entry.accessible ? "can allocate" : "no access",
            ])
        }
        print(table.render())
        if !found.contains(where: { $0.heap.kind != .memfd && $0.heap.kind != .udmabuf }) {
            print("\nThis machine has no \(HeapDiscovery.heapDirectory): plans use the built-in catalog, and allocation falls back to CPU-only memfd.")
        }
        for entry in found {
            if let failed = entry.cmaPagesFailed, let allocated = entry.cmaPagesAllocated {
                print("\(entry.heap.name): CMA area pages allocated \(allocated), failed \(failed) (/sys/kernel/mm/cma/\(entry.heap.name))")
            }
        }
        for entry in found where !entry.accessible {
            print("note: \(entry.node) is not accessible to this user: add a udev rule or group for it (e.g. MODE=\"0660\", GROUP=\"video\").")
        }
    }
}

extension DiscoveredHeap {
    var json: JSON {
        .object([
            ("name", .string(heap.name)),
            ("kind", .string(heap.kind.rawValue)),
            ("node", .string(node)),
            ("contiguous", .bool(heap.contiguous)),
            ("cached", .bool(heap.cached)),
            ("address_bits", .int(heap.addressBits)),
            ("capacity", heap.capacity.map(JSON.int) ?? .null),
            ("free", heap.free.map(JSON.int) ?? .null),
            ("device_shareable", .bool(heap.deviceShareable)),
            ("accessible", .bool(accessible)),
            ("cma_pages_allocated", cmaPagesAllocated.map(JSON.int) ?? .null),
            ("cma_pages_failed", cmaPagesFailed.map(JSON.int) ?? .null),
        ])
    }
}
