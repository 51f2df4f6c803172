import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

extension Bench {
    struct Alloc: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allocate+free latency per allocator at 4 KiB, 1 MiB and 8 MiB, against a raw C loop of the same syscalls.",
            discussion: "Target: Heapwise median ≤ 1.05× the raw loop's median."
        )

        @Option(help: "Allocations per side and round (8 MiB uses a quarter of this).")
        var iterations = 200

        @Option(help: "Rounds; the sides alternate allocation by allocation throughout.")
        var rounds = 5

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            guard iterations > 0, rounds > 0 else { throw ValidationError("--iterations and --rounds must be at least 1") }
        }

        func run() throws {
            let results: [AllocBenchmark.Result]
            do {
                results = try AllocBenchmark(iterations: iterations, rounds: rounds).run(AllocBenchmark.availableAllocators())
            } catch {
                printError("heapwise: error: \(error)")
                throw Exit.allocationFailed
            }
            let report = AllocReport(results: results)
            print(json ? report.json.serialized() : report.text)
        }
    }
}
