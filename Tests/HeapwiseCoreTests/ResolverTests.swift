import Testing
@testable import HeapwiseCore

/// The resolver's promises: the chosen plan satisfies everyone, the ranking follows the
/// documented order, and every turned-down combination names a device and a rule.
@Suite struct ResolverTests {
    static func device(_ yaml: String) throws -> DeviceProfile { try ProfileParser.parse(yaml) }

    static let decoder = """
        name: decoder
        constraints: { width_alignment: 16, height_alignment: 16, pitch_alignment: 16 }
        usages:
          write:
            formats:
              - { format: NV12, modifiers: [SAMSUNG_64_32_TILE, LINEAR] }
              - { format: P010 }
        """
    static let display = """
        name: display
        constraints: { pitch_alignment: 64, max_width: 4096, contiguous: true, address_bits: 32 }
        heaps: [cma]
        usages:
          scanout:
            formats:
              - XRGB8888
              - { format: NV12, modifiers: [LINEAR] }
        """
    static let gpu = """
        name: gpu
        constraints: { pitch_alignment: 256, max_width: 16384 }
        usages:
          texture:
            formats:
              - { format: NV12, modifiers: [I915_FORMAT_MOD_Y_TILED, LINEAR] }
              - { format: XRGB8888, modifiers: [I915_FORMAT_MOD_X_TILED, LINEAR] }
        """

    func pipeline(_ devices: [(String, String)], width: Int = 1920, height: Int = 1080, count: Int = 4, formats: [String]? = nil) throws -> Pipeline {
        let participants = try devices.map { yaml, usage in
            let d = try Self.device(yaml)
            return Participant(device: d, usage: try #require(d.usage(named: usage)))
        }
        return Pipeline(width: width, height: height, count: count, formats: try formats?.map { try #require(FormatInfo.lookup($0)) }, participants: participants)
    }

    @Test func decoderToDisplayPicksLinearNV12FromCMA() throws {
        let r = Resolver().resolve(try pipeline([(Self.decoder, "write"), (Self.display, "scanout")]))
        let chosen = try #require(r.chosen)
        #expect(chosen.format.name == "NV12")
        #expect(chosen.modifier == .linear)
        #expect(chosen.heap.name == "reserved")
        #expect(chosen.constraints.pitchAlignment == 64)
        // 1080 rows align to 1088 for the decoder's macroblocks.
        #expect(chosen.layout.buffers[0].planes.map(\.size) == [1920 * 1088, 1920 * 544])
        // The Samsung tile is the decoder's own; the display's refusal is explained.
        #expect(r.rejected.contains { $0.device == "display" && $0.modifier?.name == "SAMSUNG_64_32_TILE" })
        // P010 and XRGB8888 are each missing on one side.
        #expect(r.rejected.contains { $0.device == "display" && $0.format?.name == "P010" })
        #expect(r.rejected.contains { $0.device == "decoder" && $0.format?.name == "XRGB8888" })
        // The system heap is scattered and may be above 4 GiB: two reasons, both the display's.
        let systemReasons = r.rejected.filter { $0.heap == "system" }.map(\.reason)
        #expect(systemReasons.contains(.heapNotContiguous))
        #expect(systemReasons.contains(.heapAddressTooWide(heapBits: 34, deviceBits: 32)))
    }

    @Test func participantOrderDoesNotChangeTheAnswer() throws {
        let a = Resolver().resolve(try pipeline([(Self.decoder, "write"), (Self.display, "scanout"), (Self.gpu, "texture")]))
        let b = Resolver().resolve(try pipeline([(Self.gpu, "texture"), (Self.display, "scanout"), (Self.decoder, "write")]))
        #expect(a.chosen?.layout == b.chosen?.layout)
        #expect(a.chosen?.heap == b.chosen?.heap)
        #expect(a.chosen?.constraints == b.chosen?.constraints)
    }

    @Test func devicePreferenceRanksModifiers() throws {
        let r = Resolver().resolve(try pipeline([(Self.gpu, "texture")]))
        #expect(r.chosen?.format.name == "NV12")
        #expect(r.chosen?.modifier.name == "I915_FORMAT_MOD_Y_TILED")
        #expect(r.chosen?.heap.name == "system")
        #expect(r.alternatives.first?.modifier.name == "I915_FORMAT_MOD_Y_TILED")
        #expect(r.alternatives.first?.heap.name == "reserved")
    }

    @Test func pipelineFormatPreferenceComesFirst() throws {
        let r = Resolver().resolve(try pipeline([(Self.gpu, "texture")], formats: ["XRGB8888", "NV12"]))
        #expect(r.chosen?.format.name == "XRGB8888")
        #expect(r.chosen?.modifier.name == "I915_FORMAT_MOD_X_TILED")
    }

    @Test func scatteredHeapIsPreferredWhenNothingNeedsContiguity() throws {
        let r = Resolver().resolve(try pipeline([(Self.decoder, "write"), (Self.gpu, "texture")]))
        #expect(r.chosen?.heap.name == "system")
        #expect(r.chosen?.fallbackHeaps == ["reserved"])
    }

    @Test func tooWideIsExplainedPerDevice() throws {
        let r = Resolver().resolve(try pipeline([(Self.decoder, "write"), (Self.display, "scanout")], width: 5120, height: 2880))
        #expect(r.chosen == nil)
        #expect(r.rejected.contains { $0.device == "display" && $0.reason == .tooWide(width: 5120, max: 4096) })
        #expect(r.rejected.map(\.description).contains("display: NV12/LINEAR: max width 4096 < 5120"))
    }

    @Test func capacityRejectsAnOversizedRequest() throws {
        let catalog = HeapCatalog(heaps: [
            Heap(name: "small-cma", kind: .cma, contiguous: true, addressBits: 32, cached: true, capacity: 8 << 20),
        ], origin: "test")
        let r = Resolver(catalog: catalog).resolve(try pipeline([(Self.display, "scanout")], count: 4))
        #expect(r.chosen == nil)
        #expect(r.rejected.contains { $0.heap == "small-cma" && $0.device == nil })
        #expect(r.rejected.first { $0.heap == "small-cma" }?.description.contains("4 buffers need") == true)
    }

    @Test func memfdIsNeverChosenForDevices() throws {
        let catalog = HeapCatalog(heaps: [
            Heap(name: "memfd", kind: .memfd, contiguous: false, addressBits: 64, cached: true, deviceShareable: false),
        ], origin: "test")
        let r = Resolver(catalog: catalog).resolve(try pipeline([(Self.gpu, "texture")]))
        #expect(r.chosen == nil)
        #expect(r.rejected.contains { $0.reason == .heapNotShareable })
    }

    @Test func uncachedRequirementNeedsAnUncachedHeap() throws {
        let uncached = """
            name: wc-display
            constraints: { cache: uncached }
            usages: { scanout: { formats: [XRGB8888] } }
            """
        let catalog = HeapCatalog(heaps: [
            Heap(name: "system", kind: .system, contiguous: false, addressBits: 64, cached: true),
            Heap(name: "system-uncached", kind: .systemUncached, contiguous: false, addressBits: 64, cached: false),
        ], origin: "test")
        let r = Resolver(catalog: catalog).resolve(try pipeline([(uncached, "scanout")]))
        #expect(r.chosen?.heap.name == "system-uncached")
        #expect(r.rejected.contains { $0.heap == "system" && $0.reason == .heapCached })
    }

    @Test func implicitModifierOnlyMatchesItself() throws {
        let legacyA = "name: a\nusages: { read: { formats: [{ format: NV12, modifiers: [INVALID] }] } }"
        let legacyB = "name: b\nusages: { write: { formats: [{ format: NV12, modifiers: [INVALID, LINEAR] }] } }"
        let r = Resolver().resolve(try pipeline([(legacyA, "read"), (legacyB, "write")]))
        #expect(r.chosen?.modifier == .invalid)
        #expect(r.chosen?.notes.contains { $0.contains("implicit modifier") } == true)
        #expect(r.rejected.contains { $0.device == "a" && $0.modifier == .linear })
    }

    @Test func heapsCanStandInForLessStrictOnes() {
        let catalog = HeapCatalog.builtIn
        let substitutes = Dictionary(uniqueKeysWithValues: catalog.substitutes.map { ($0.heap, $0.standIns) })
        #expect(substitutes["system"] == ["reserved"])
        #expect(substitutes["reserved"] == [])
    }
}
