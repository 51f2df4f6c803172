import Testing
@testable import HeapwiseCore

/// `heapwise plan` accounts each IOMMU-backed device's address space: all `count` images
/// mapped at once, each dma-buf in whole IOMMU pages, and a plan that cannot be resident at
/// once on a device is turned down with the numbers.
@Suite struct IOVAFootprintTests {
    static func device(_ yaml: String) throws -> DeviceProfile { try ProfileParser.parse(yaml) }

    /// A display controller behind a 32-bit IOMMU with 64 KiB pages (a VOP2-like block).
    static let display = """
        name: vop2-display
        constraints: { pitch_alignment: 64, max_width: 16384, max_height: 16384, iommu: true, iova_bits: 32, iommu_granule: 65536 }
        usages:
          scanout:
            formats: [XRGB8888, NV12]
        """
    static let camera = """
        name: camera
        constraints: { contiguous: true, max_width: 16384, max_height: 16384 }
        usages:
          write:
            formats: [XRGB8888, NV12]
        """
    static let splitPlanes = """
        name: split-display
        constraints: { iommu: true, address_bits: 28, plane_placement: { 0: luma, 1: chroma } }
        usages:
          scanout:
            formats: [NV12]
        """

    func resolve(_ devices: [(String, String)], width: Int, height: Int, count: Int, format: String = "XRGB8888") throws -> Resolution {
        let participants = try devices.map { yaml, usage in
            let d = try Self.device(yaml)
            return Participant(device: d, usage: try #require(d.usage(named: usage)))
        }
        let pipeline = Pipeline(width: width, height: height, count: count, formats: [try #require(FormatInfo.lookup(format))], participants: participants)
        return Resolver(catalog: .builtIn).resolve(pipeline)
    }

    @Test func eachIOMMUDeviceGetsItsFootprintInWholePagesAndOthersNone() throws {
        let resolution = try resolve([(Self.camera, "write"), (Self.display, "scanout")], width: 1920, height: 1080, count: 4)
        let plan = try #require(resolution.chosen)
        #expect(plan.layout.size == 1920 * 4 * 1080)
        #expect(plan.iovaFootprints.map(\.device) == ["vop2-display"], "the contiguous camera sees physical addresses: no footprint")
        let footprint = try #require(plan.iovaFootprints.first)
        // 8,294,400 bytes is 126.56 pages of 64 KiB: 127 pages each.
        #expect(footprint.buffers == 4 && footprint.bytes == 4 * 127 * 65536 && footprint.granule == 65536 && footprint.space == 1 << 32)
        #expect(resolution.text().contains("  IOVA: vop2-display: 4 buffers, 31.8 MiB of IOVA in 64 KiB pages, of 4 GiB"))
        let json = plan.json.serialized(indent: nil)
        #expect(json.contains(#""iova":[{"device":"vop2-display","buffers":4,"bytes":33292288,"granule":65536,"space":4294967296}]"#), "\(json)")
    }

    @Test func aPlanThatCannotBeResidentAtOnceIsTurnedDownWithTheNumbers() throws {
        // 8 × 12000×12000 XRGB8888 = 8 × 576,000,000 bytes: 4.3 GiB after 64 KiB pages, in 4 GiB.
        let resolution = try resolve([(Self.display, "scanout")], width: 12000, height: 12000, count: 8)
        #expect(resolution.chosen == nil)
        let reasons = resolution.rejected.filter { if case .addressSpaceTooSmall = $0.reason { true } else { false } }
        #expect(reasons.map(\.description) == ["vop2-display: XRGB8888/LINEAR: 8 buffers need 4.3 GiB of IOVA after 64 KiB alignment; its IOMMU has 4 GiB"])
        // Seven fit (4.0 GiB of 4 GiB would not: 7 × 576,061,440 = 3.75 GiB does).
        #expect(try resolve([(Self.display, "scanout")], width: 12000, height: 12000, count: 7).chosen != nil)
    }

    @Test func buffersOfDisjointPlanesAreMappedOneByOneAndTheDMAMaskBoundsTheSpace() throws {
        let resolution = try resolve([(Self.splitPlanes, "scanout")], width: 64, height: 64, count: 3, format: "NV12")
        let plan = try #require(resolution.chosen)
        #expect(plan.layout.buffers.count == 2, "luma and chroma in separate dma-bufs")
        let footprint = try #require(plan.iovaFootprints.first)
        // 4 KiB of luma and 2 KiB of chroma per image, each rounded to a 4 KiB page.
        #expect(footprint.buffers == 6 && footprint.bytes == 6 * 4096 && footprint.granule == 4096 && footprint.space == 1 << 28)
    }

    @Test func withoutAnApertureTheFootprintIsReportedAndNeverRefused() {
        var rules = Constraints()
        rules.iommu = true
        let layout = ImageLayout(buffers: [BufferLayout(planes: [PlaneLayout(index: 0, offset: 0, stride: 64, size: 100)], size: 100)], size: 100)
        let footprint = IOVAFootprint.of(layout, count: 2, device: "gpu", rules: rules)
        #expect(footprint?.space == nil && footprint?.fits == true && footprint?.bytes == 8192)
        #expect(footprint?.description == "2 buffers, 8 KiB of IOVA in 4 KiB pages, (no aperture stated)")
        rules.iommu = nil
        #expect(IOVAFootprint.of(layout, count: 2, device: "gpu", rules: rules) == nil)
    }

    /// A board with scattered system memory, a `no-map` carve-out (no struct pages) and a
    /// TILER-like heap whose exporter maps every buffer for its importers.
    static let catalog = """
        heaps:
          - { name: system, kind: system, address_bits: 33 }
          - { name: carveout, kind: carveout, address_bits: 32, capacity: 256MiB, struct_pages: false }
          - { name: tiler, kind: other, contiguous: true, address_bits: 32, exporter_remaps: true }
        """

    func resolve(_ devices: [(String, String)], width: Int, height: Int, count: Int, catalog: String) throws -> Resolution {
        let participants = try devices.map { yaml, usage in
            let d = try Self.device(yaml)
            return Participant(device: d, usage: try #require(d.usage(named: usage)))
        }
        let pipeline = Pipeline(width: width, height: height, count: count, formats: [try #require(FormatInfo.lookup("XRGB8888"))], participants: participants)
        return Resolver(catalog: try HeapCatalogParser.parse(catalog)).resolve(pipeline)
    }

    @Test func aNoMapCarveOutCannotServeADeviceThatMapsThroughItsIOMMU() throws {
        let resolution = try resolve([(Self.display, "scanout")], width: 1920, height: 1080, count: 2, catalog: Self.catalog)
        let refused = resolution.rejected.filter { $0.heap == "carveout" }.map(\.reason)
        #expect(refused == [.heapPagesNotMappable])
        // A device without an IOMMU takes the carve-out's physical addresses.
        let camera = try resolve([(Self.camera, "write")], width: 1920, height: 1080, count: 2, catalog: Self.catalog)
        #expect(camera.chosen?.heap.name == "carveout" || camera.alternatives.contains { $0.heap.name == "carveout" })
    }

    @Test func anExporterThatRemapsSpendsNoneOfTheImportersAddressSpace() throws {
        // 4.3 GiB of buffers: too much for the display's own 4 GiB IOMMU space, not for a
        // heap whose exporter maps them.
        let resolution = try resolve([(Self.display, "scanout")], width: 12000, height: 12000, count: 8, catalog: Self.catalog)
        let plan = try #require(resolution.chosen)
        #expect(plan.heap.name == "tiler" && plan.iovaFootprints.isEmpty)
        #expect(plan.notes.contains { $0.contains("exporter maps the buffers for every importer") })
        let system = resolution.rejected.filter { $0.heap == "system" }.map(\.description)
        #expect(system == ["vop2-display: XRGB8888/LINEAR on heap system: 8 buffers need 4.3 GiB of IOVA after 64 KiB alignment; its IOMMU has 4 GiB"])
        #expect(throws: InputError.self) { try HeapCatalogParser.parse("heaps:\n  - { name: x, kind: system, struct_pages: maybe }\n") }
    }
}
