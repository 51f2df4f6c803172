import Testing
@testable import HeapwiseCore

/// A written profile must read back as the same profile: that is what lets a probed device
/// travel to another machine as a file.
@Suite struct ProfileWriterTests {
    @Test func writtenProfilesReadBackUnchanged() throws {
        let text = """
            name: mixed
            description: "every kind of rule: a, b"
            source: [drivers/x.c, "datasheet: page 3"]
            constraints: { pitch_alignment: 64, contiguous: true, address_bits: 32, iommu: false, cache: uncached }
            heaps: [cma, "linux,cma"]
            usages:
              scanout:
                constraints: { max_width: 4096, max_height: 2160, extra_rows: 2, padding_bytes: 8 }
                formats:
                  - { format: NV12, modifiers: [LINEAR, SAMSUNG_64_32_TILE], constraints: { plane_placement: { 0: a, 1: b } } }
                  - { format: XRGB8888, modifiers: ["ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)", INVALID] }
              write:
                formats: [YUYV]
            """
        let profile = try ProfileParser.parse(text)
        let written = ProfileWriter.yaml(profile)
        let reread = try ProfileParser.parse(written)
        #expect(ProfileWriter.yaml(reread) == written)
        #expect(reread.usages.map(\.name) == ["scanout", "write"])
        #expect(reread.usages[0].formats[1].modifiers.map(\.name) == ["ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)", "INVALID"])
        #expect(reread.usages[0].formats[0].constraints.placement == PlanePlacement(labels: [0: "x", 1: "y"]))
        #expect(reread.constraints.cache == .uncached)
        #expect(reread.heapPreference == ["cma", "linux,cma"])
    }

    @Test func everyShippedProfileRoundTrips() throws {
        // The shipped profiles are the richest inputs we have.
        for name in ["vop2-display", "intel-gen12-gpu", "s5p-mfc-v5-decoder", "mediatek-encoder"] {
            let text = try Repository.read("Profiles/\(name).yaml")
            let written = ProfileWriter.yaml(try ProfileParser.parse(text))
            #expect(ProfileWriter.yaml(try ProfileParser.parse(written)) == written, "\(name)")
        }
    }
}
