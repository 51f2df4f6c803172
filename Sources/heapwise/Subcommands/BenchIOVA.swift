import ArgumentParser
import HeapwiseCore

extension Bench {
    struct IOVA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "iova",
            abstract: "Device-address (IOVA) allocation and free at 1,000 and 100,000 live mappings.",
            discussion: """
                Fills one first-fit allocator per scale with random mappings (4 KiB–2 MiB, \
                aligned to a page, 64 KiB or 2 MiB) in a 48-bit space, then frees one and \
                allocates one, over and over, in timed batches; the scales take turns in a \
                seeded random order. Targets: ≤ 200 ns median per operation at 100,000 live \
                ranges, and growth no worse than logarithmic. Build with -c release.
                """
        )

        @Option(help: "Timed batches per scale.")
        var rounds = 400

        @Option(help: "Operations per timed batch.")
        var batch = 256

        @Option(help: "Live mappings at each scale, comma-separated.")
        var scales = "1000,100000"

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (1...100_000).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 100000") }
            guard (2...100_000).contains(batch) else { throw ValidationError("--batch must be from 2 to 100000") }
            guard !parsedScales.isEmpty, parsedScales.allSatisfy({ (1...1_000_000).contains($0) }) else {
                throw ValidationError("--scales must be comma-separated counts from 1 to 1000000, like 1000,100000")
            }
        }

        var parsedScales: [Int] {
            let parts = scales.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingPrefix(" ")) }
            return parts.contains(nil) ? [] : parts.compactMap { $0 }
        }

        func run() throws {
            let rows: [IOVABenchmark.Row]
            do {
                rows = try IOVABenchmark(scales: parsedScales, rounds: rounds, batch: batch).run()
            } catch {
                printError("heapwise: error: \(error)")
                throw ExitCode.failure
            }
            let result = IOVABenchResult(rows: rows)
            print(output.json ? result.json.serialized() : result.text)
        }
    }
}
