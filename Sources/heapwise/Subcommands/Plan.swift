import ArgumentParser
import HeapwiseCore

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve a pipeline: pick format, modifier, layout and heap, and explain every rejection.",
        discussion: "Exit status: 0 a plan was found, 3 no plan satisfies the pipeline, 2 invalid input."
    )

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "A heap catalog file (YAML) to plan against instead of the built-in one.")
    var heaps: String?

    @Option(name: .customLong("profiles"), help: "A directory of device profiles (repeatable).")
    var profileDirectories: [String] = []

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        let resolution: Resolution
        do {
            let pipeline = try DeviceLoader.loadPipeline(self.pipeline, profileDirectories: profileDirectories)
            let catalog = try heaps.map { path throws(InputError) in
                try HeapCatalogParser.parse(try Files.read(path), file: path)
            } ?? .builtIn
            resolution = Resolver(catalog: catalog).resolve(pipeline)
        } catch {
            throw reportInvalidInput(error)
        }
        print(json ? resolution.json.serialized() : resolution.text())
        if resolution.chosen == nil { throw Exit.unsatisfiable }
    }
}
