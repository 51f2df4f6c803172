import ArgumentParser
import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux

extension Bench {
    struct BrokerBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "broker",
            abstract: "Allocation through the broker (heapwise serve) against allocating in this process.",
            discussion: """
                Starts heapwise serve on a socket of its own and, per size (4 KiB, 1 MiB, 8 MiB), times in a \
                seeded random order each round: a fresh allocation here, one from a pool here, and an \
                allocate-and-receive through the broker from its pool and fresh; then 1, 8 and 32 clients at \
                once. Targets: pooled broker faster than fresh here at 1 MiB and up; at most 30 µs over pooled \
                here (median); 8 clients at least 1.5 × one client's rate. Needs a system dma-buf heap this \
                user can open; build with -c release.
                """
        )

        @Option(help: "Rounds per size (8 MiB takes an eighth).")
        var rounds = 200

        @Option(help: "Pooled round trips per client in the concurrency runs.")
        var perClient = 100

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (1...100_000).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 100000") }
            guard (1...100_000).contains(perClient) else { throw ValidationError("--per-client must be from 1 to 100000") }
        }

        func run() throws {
            let result: BrokerBenchResult
            do {
                let executable = UserFiles.executable ?? CommandLine.arguments[0]
                result = try BrokerBenchmark(executable: executable, rounds: rounds, perClient: perClient).run()
            } catch {
                printError("heapwise: error: \(error)")
                throw Exit.allocationFailed
            }
            print(output.json ? result.json.serialized() : result.text)
        }
    }
}
