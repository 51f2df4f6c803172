import Testing
@testable import HeapwiseCore

/// ION heaps (Linux 5.10 and older) sit in the catalog beside dma-buf heaps. Where both offer
/// the same memory the dma-buf heap wins (`Heap.ionHeapID` says why); where only ION has what
/// a device needs, ION is chosen.
@Suite struct HeapInterfaceTests {
    static let camera = "name: camera\nusages: { write: { formats: [NV12] } }"
    static let display = """
        name: display
        constraints: { contiguous: true, address_bits: 32 }
        usages: { scanout: { formats: [NV12] } }
        """

    func resolve(_ yaml: String, _ usage: String, heaps: [Heap]) throws -> Resolution {
        let device = try ProfileParser.parse(yaml)
        let participant = Participant(device: device, usage: try #require(device.usage(named: usage)))
        return Resolver(catalog: HeapCatalog(heaps: heaps, origin: "test"))
            .resolve(Pipeline(width: 640, height: 480, count: 2, participants: [participant]))
    }

    @Test func aDMABufHeapBeatsTheIONHeapOfTheSameKind() throws {
        // "ion:ion_system_heap" sorts before "system": only the interface rule puts system first.
        let heaps = [
            Heap(name: "ion:ion_system_heap", kind: .system, addressBits: 64, ionHeapID: 0),
            Heap(name: "system", kind: .system, addressBits: 64),
        ]
        let r = try resolve(Self.camera, "write", heaps: heaps)
        #expect(r.chosen?.heap.name == "system")
        #expect(r.alternatives.first { $0.heap.name == "ion:ion_system_heap" } != nil, "ION stays an alternative, the fallback")
    }

    @Test func theSameRuleForCMA() throws {
        let heaps = [
            Heap(name: "ion:reserved", kind: .cma, addressBits: 32, capacity: 64 << 20, ionHeapID: 2),
            Heap(name: "reserved", kind: .cma, addressBits: 32, capacity: 64 << 20),
        ]
        #expect(try resolve(Self.display, "scanout", heaps: heaps).chosen?.heap.name == "reserved")
    }

    @Test func anIONHeapIsChosenWhenItAloneMeetsTheConstraint() throws {
        // ION's system-contig heap is contiguous; the dma-buf system heap is not.
        let heaps = [
            Heap(name: "system", kind: .system, addressBits: 64),
            Heap(name: "ion:ion_system_contig_heap", kind: .systemContig, addressBits: 32, ionHeapID: 1),
        ]
        let r = try resolve(Self.display, "scanout", heaps: heaps)
        #expect(r.chosen?.heap.name == "ion:ion_system_contig_heap")
        #expect(r.rejected.contains { $0.heap == "system" && $0.reason == .heapNotContiguous })
    }

    @Test func ionKindsSayWhatTheMemoryIs() {
        #expect(HeapKind.systemContig.isContiguous && HeapKind.systemContig.isCached)
        #expect(!HeapKind.chunk.isContiguous, "a chunk heap's buffer is contiguous only chunk by chunk")
        #expect(HeapKind(rawValue: "system-contig") == .systemContig)
        #expect(Heap(name: "ion:x", kind: .chunk, addressBits: 64, ionHeapID: 3).isION)
        #expect(!Heap(name: "system", kind: .system, addressBits: 64).isION)
    }
}
