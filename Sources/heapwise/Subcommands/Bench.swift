import ArgumentParser
import HeapwiseCore
import HeapwiseLoading

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Heapwise (build with -c release for meaningful numbers).",
        subcommands: [Resolve.self, Alloc.self, Pool.self, StatsBench.self, BrokerBench.self, IOVA.self, CAPI.self]
    )

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve latency for 2, 4, 8 and 16-participant pipelines built from the shipped profiles.",
            discussion: "Target: median ≤ 10 µs at 4 participants; cost growing no worse than linearly."
        )

        @Option(name: .customLong("profiles"), help: "The directory of profiles to build pipelines from.")
        var profileDirectory = "Profiles"

        @Option(help: "Timed resolves per pipeline size.")
        var iterations = 2000

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard iterations > 0 else { throw ValidationError("--iterations must be at least 1") }
        }

        func run() throws {
            let profiles: [DeviceProfile]
            do {
                profiles = try Loader.profiles(in: profileDirectory)
            } catch {
                throw reportInvalidInput(error)
            }
            let results = ResolveBenchmark(profiles: profiles).run(iterations: iterations)
            let report = ResolveReport(results: results, profileCount: profiles.count)
            print(output.json ? report.json.serialized() : report.text)
        }
    }
}
