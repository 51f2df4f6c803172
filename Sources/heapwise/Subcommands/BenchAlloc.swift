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
            if json {
                print(JSON.array(results.map(\.json)).serialized())
                return
            }
            var table = TextTable(["allocator", "size", "heapwise median µs", "p99 µs", "raw C median µs", "p99 µs", "ratio"])
            for r in results {
                table.append([
                    r.allocator, ByteCount.format(r.size),
                    ResolveReport.fixed(r.heapwise.median.microseconds), ResolveReport.fixed(r.heapwise.p99.microseconds),
                    ResolveReport.fixed(r.baseline.median.microseconds), ResolveReport.fixed(r.baseline.p99.microseconds),
                    ResolveReport.fixed(r.ratio),
                ])
            }
            print(table.render())
            let worst = results.map(\.ratio).max() ?? 0
            print("target ratio ≤ \(ResolveReport.fixed(AllocBenchmark.targetRatio)): worst \(ResolveReport.fixed(worst)), "
                + (worst <= AllocBenchmark.targetRatio ? "met" : "MISSED"))
        }
    }
}

extension AllocBenchmark.Result {
    var json: JSON {
        .object([
            ("allocator", .string(allocator)), ("size", .int(size)),
            ("heapwise_median_ns", .int(Int(heapwise.median.microseconds * 1000))),
            ("heapwise_p99_ns", .int(Int(heapwise.p99.microseconds * 1000))),
            ("baseline_median_ns", .int(Int(baseline.median.microseconds * 1000))),
            ("baseline_p99_ns", .int(Int(baseline.p99.microseconds * 1000))),
            ("ratio", .string(ResolveReport.fixed(ratio))),
            ("samples", .int(heapwise.samples)),
        ])
    }
}
