import ArgumentParser
import HeapwiseCore
import HeapwiseLoading

/// `heapwise simulate`: the pipeline's plan through each IOMMU-backed device's residency model.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline's buffers through each IOMMU device's address space, frame by frame.",
        discussion: """
            Resolves the pipeline as 'plan' does, then simulates CLIENTS copies of it (each with the \
            pipeline's count of images) sharing every device that is behind an IOMMU (iommu: true; the \
            aperture from iova_bits or address_bits, pages from iommu_granule). Each frame binds one image \
            to each device whole, reusing mappings and evicting the least recently used when space is \
            short. Reports binds, evictions, peak IOVA use and fragmentation per device.
            Exit status: 0 simulated, 2 invalid input, 3 no plan satisfies the pipeline or a device's \
            space can never hold one image.
            """
    )

    @Argument(help: "The pipeline file (YAML, or JSON).")
    var pipeline: String

    @Option(help: "Applications running the pipeline at once, each with its own images.")
    var clients = 1

    @Option(help: "Frames each client submits.")
    var frames = 100

    @Option(help: "A heap catalog file (YAML) to plan against instead of this machine's heaps.")
    var heaps: String?

    @Option(name: .customLong("profiles"), help: "A directory of device profiles (repeatable).")
    var profileDirectories: [String] = []

    @OptionGroup var output: OutputOptions

    static let maxClients = 1000
    static let maxFrames = 1_000_000

    func validate() throws {
        guard (1...Self.maxClients).contains(clients) else { throw ValidationError("--clients takes 1 to \(Self.maxClients), got \(clients)") }
        guard (1...Self.maxFrames).contains(frames) else { throw ValidationError("--frames takes 1 to \(Self.maxFrames), got \(frames)") }
    }

    func run() throws {
        let resolution: Resolution
        do {
            let pipeline = try Loader.pipeline(self.pipeline, profileDirectories: profileDirectories)
            resolution = Resolver(catalog: try Loader.planCatalog(file: heaps).catalog).resolve(pipeline)
        } catch {
            throw reportInvalidInput(error)
        }
        guard let plan = resolution.chosen else {
            printError("heapwise: error: no plan satisfies this pipeline; 'heapwise plan \(pipeline)' explains why")
            throw Exit.unsatisfiable
        }
        let simulation: PipelineSimulation
        do {
            simulation = try PipelineSimulation.run(plan, pipeline: resolution.pipeline, clients: clients, frames: frames)
        } catch {
            printError("heapwise: error: \(error)")
            throw Exit.unsatisfiable
        }
        print(output.json ? simulation.json.serialized() : simulation.text(plan: plan, pipeline: resolution.pipeline))
    }
}
