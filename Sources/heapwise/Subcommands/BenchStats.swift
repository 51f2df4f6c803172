import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

extension Bench {
    struct StatsBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "heapwise stats' snapshot on synthetic /proc trees (up to 1,000 processes × 50 fds) and on this machine.",
            discussion: """
                Writes three /proc-shaped trees (250, 500 and 1,000 processes × 50 dma-buf fds, \
                2,500 to 10,000 buffers, many shared) and times a snapshot with totals against \
                the bare reads of the same files, in a seeded random order; each snapshot is \
                checked against the tree. Targets at 1,000 × 50: under 100 ms and 50 MiB, and a \
                per-fd cost within 1.5× of the smallest tree's. Build with -c release.
                """
        )

        @Option(help: "Rounds per tree.")
        var rounds = 9

        @Option(help: "Processes in the largest tree (the others have a half and a quarter); 50 fds each, a buffer per 5 fds.")
        var processes = 1000

        @Option(help: "Where to write the trees (removed afterwards); tmpfs keeps disk out of the numbers.")
        var directory = "/tmp"

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard rounds > 0, rounds <= 1000 else { throw ValidationError("--rounds must be from 1 to 1000") }
            guard processes >= 4, processes <= 100_000 else { throw ValidationError("--processes must be from 4 to 100000") }
        }

        func run() throws {
            let result: StatsBenchResult
            do {
                let scales = [processes / 4, processes / 2, processes].map { (processes: $0, fdsPerProcess: 50, buffers: $0 * 10) }
                result = try StatsBenchmark(rounds: rounds, directory: directory, scales: scales).run()
            } catch {
                printError("heapwise: error: \(error)")
                throw Exit.allocationFailed
            }
            print(output.json ? result.json.serialized() : result.text)
        }
    }
}
