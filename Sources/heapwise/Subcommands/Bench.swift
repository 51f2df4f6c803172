import ArgumentParser
import Foundation
import HeapwiseCore
import HeapwiseLinux

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Heapwise (build with -c release for meaningful numbers).",
        subcommands: [Resolve.self, Alloc.self]
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

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            guard iterations > 0 else { throw ValidationError("--iterations must be at least 1") }
        }

        func run() throws {
            let profiles: [DeviceProfile]
            do {
                profiles = try loadProfiles(profileDirectory)
            } catch {
                throw reportInvalidInput(error)
            }
            let results = ResolveBenchmark(profiles: profiles).run(iterations: iterations)
            let report = ResolveReport(results: results, profileCount: profiles.count)
            print(json ? report.json.serialized() : report.text)
        }
    }
}

/// Every `*.yaml` profile in a directory, sorted by file name.
func loadProfiles(_ directory: String) throws(InputError) -> [DeviceProfile] {
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
    } catch {
        throw InputError(file: directory, message: "cannot list profiles: \(error.localizedDescription)")
    }
    guard !names.isEmpty else { throw InputError(file: directory, message: "no *.yaml profiles here") }
    var profiles: [DeviceProfile] = []
    for name in names {
        let path = Files.join(directory, name)
        profiles.append(try ProfileParser.parse(try Files.read(path), file: path))
    }
    return profiles
}
