import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

extension Bench {
    struct Pool: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Buffer reuse through a pool against a fresh buffer and a bare memset, per allocator and size.",
            discussion: """
                Four sides take turns in a seeded random order: fresh (allocate, map, write every \
                page, unmap, free), pooled with zeroing (acquire by a new owner, release), pooled \
                same-owner (acquire of a kept buffer, release), and memset of the same size on a \
                faulted-in buffer. Targets: zeroing ≤ 1.2× memset from 1 MiB, ≥ 50× faster than \
                fresh at 8 MiB, same owner ≤ 1 µs. Build with -c release.
                """
        )

        @Option(name: .customLong("allocator"), help: "Only this allocator (a heap name, udmabuf or memfd); repeatable.")
        var allocators: [String] = []

        @Option(name: .customLong("size"), help: "A buffer size (4096, 4KiB, 1MiB); repeatable. Default: 4KiB, 1MiB, 8MiB and 64MiB.",
                transform: Alloc.byteSize)
        var sizes: [Int] = []

        @Option(help: "The most pairs per allocator and size.")
        var pairs = PoolBenchmark.defaultPairs

        @Option(help: "Stop an allocator and size after this many seconds (once it has 5 pairs).")
        var seconds = 1.0

        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard pairs > 0 else { throw ValidationError("--pairs must be at least 1") }
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be more than 0 and at most 3600") }
        }

        func run() throws {
            let chosen = try Alloc.choose(allocators)
            let results: [PoolBenchResult]
            do {
                results = try PoolBenchmark(pairs: pairs, timeLimit: .seconds(seconds)).run(chosen, sizes: sizes.isEmpty ? PoolBenchmark.sizes : sizes)
            } catch {
                printError("heapwise: error: \(error)")
                throw Exit.allocationFailed
            }
            let report = PoolBenchReport(results: results)
            print(output.json ? report.json.serialized() : report.text)
        }
    }
}
