import Testing
@testable import HeapwiseCore

/// `heapwise simulate`'s model: frames bound whole, mappings reused while the images fit,
/// evicted least recently used when several clients' images do not, and every submitted
/// frame bound in the end.
@Suite struct PipelineSimulationTests {
    /// A decoder behind a 16 MiB IOMMU window (24 bits) with 4 KiB pages, and a contiguous
    /// display without one.
    static let decoder = """
        name: decoder
        constraints: { iommu: true, iova_bits: 24, iommu_granule: 4096 }
        usages:
          write:
            formats: [NV12]
        """
    static let display = """
        name: display
        constraints: { contiguous: true }
        usages:
          scanout:
            formats: [NV12]
        """

    func simulate(clients: Int, frames: Int, count: Int = 4) throws -> (PipelineSimulation, Plan) {
        let devices = try [(Self.decoder, "write"), (Self.display, "scanout")].map { yaml, usage in
            let profile = try ProfileParser.parse(yaml)
            return Participant(device: profile, usage: try #require(profile.usage(named: usage)))
        }
        let pipeline = Pipeline(width: 1920, height: 1080, count: count, formats: nil, participants: devices)
        let plan = try #require(Resolver(catalog: .builtIn).resolve(pipeline).chosen)
        return (try PipelineSimulation.run(plan, pipeline: pipeline, clients: clients, frames: frames), plan)
    }

    @Test func oneClientMapsEachImageOnceAndReusesItEveryFrameAfter() throws {
        let (simulation, plan) = try simulate(clients: 1, frames: 100)
        #expect(simulation.devices.map(\.device) == ["decoder"], "the contiguous display has no address space to simulate")
        let decoder = try #require(simulation.devices.first)
        #expect(decoder.binds == 100 && decoder.mappings == 4 && decoder.reused == 96 && decoder.evictions == 0 && decoder.waits == 0)
        let image = IOVA.alignUp(UInt64(plan.layout.size), 4096) ?? 0
        #expect(decoder.peakMapped == 4 * image, "all four images resident: \(decoder.peakMapped)")
        #expect(decoder.finalFragmentation == 0, "mapped from the bottom, one free range left above")
    }

    @Test func clientsWhoseImagesDoNotAllFitEvictAndStillBindEveryFrame() throws {
        // Three clients × 4 images of 3 MiB in 16 MiB: at most five images resident at once.
        let (simulation, _) = try simulate(clients: 3, frames: 60)
        let decoder = try #require(simulation.devices.first)
        #expect(decoder.evictions > 0 && decoder.mappings == decoder.evictions + 5, "\(decoder)")
        #expect(decoder.binds + decoder.skippedFrames == 3 * 60, "every frame submitted is bound: \(decoder)")
        #expect(decoder.peakMapped <= decoder.space.size)
        #expect(decoder.maxOvertaken <= 2, "arrival order: a waiting frame is overtaken by at most clients − 1 others")
        let text = simulation.text(plan: try simulate(clients: 3, frames: 60).1, pipeline: Pipeline(width: 1920, height: 1080, count: 4, participants: []))
        #expect(text.contains("mappings were evicted and made again"))
    }
}
