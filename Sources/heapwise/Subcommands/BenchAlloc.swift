import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

extension Bench {
    struct Alloc: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allocate+free latency per allocator, against a raw C loop of the same syscalls.",
            discussion: """
                Heapwise's allocateUnique, its shared allocate (a DMABuf), the raw loop and the \
                raw loop again (a control) take turns in a seeded random order. The ratio is the \
                median over pairs of Heapwise (allocateUnique) / raw time, "shared" the same for \
                a DMABuf; the control's ratio shows the run's noise. Target: ratio ≤ 1.05.
                """
        )

        @Option(name: .customLong("allocator"), help: "Only this allocator (a heap name, udmabuf or memfd); repeatable.")
        var allocators: [String] = []

        @Option(name: .customLong("size"), help: "A buffer size (4096, 4KiB, 1MiB); repeatable. Default: 4KiB, 1MiB and 8MiB.",
                transform: Alloc.byteSize)
        var sizes: [Int] = []

        @Option(help: "The most pairs per allocator and size.")
        var pairs = AllocBenchmark.defaultPairs

        @Option(help: "Stop an allocator and size after this many seconds (once it has 20 pairs).")
        var seconds = 1.0

        @OptionGroup var output: OutputOptions

        /// Sizes past this are not a latency benchmark but a test of the machine's memory.
        static let largestSize = 1 << 30

        func validate() throws {
            guard pairs > 0 else { throw ValidationError("--pairs must be at least 1") }
            guard seconds > 0, seconds <= 3600 else { throw ValidationError("--seconds must be more than 0 and at most 3600") }
        }

        /// One `--size`, parsed and checked as the command line is read.
        static func byteSize(_ text: String) throws -> Int {
            guard let size = ByteCount.parse(text) else {
                throw ValidationError("not a size: use bytes (4096), 0x hex, or KiB/MiB/GiB (4KiB)")
            }
            guard size > 0, size <= largestSize else {
                throw ValidationError("out of range: 1 byte to \(ByteCount.format(largestSize))")
            }
            return size
        }

        /// The allocators `names` picks out of those this user can use (all of them when empty);
        /// an unknown name exits 2 with the list. Shared with `bench pool`.
        static func choose(_ names: [String]) throws -> [BufferAllocator] {
            let available = AllocBenchmark.availableAllocators()
            guard !names.isEmpty else { return available }
            let known = available.map(\.heap.name)
            for name in names where !known.contains(name) {
                let hint = NameMatch.closest(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                printError("heapwise: error: no allocator '\(name)' on this machine for this user\(hint); "
                    + "available: \(known.joined(separator: ", ")); `heapwise heaps` says why a heap is missing")
                throw Exit.invalidInput
            }
            return available.filter { names.contains($0.heap.name) }
        }

        func run() throws {
            let chosen = try Self.choose(allocators)
            let results: [AllocBenchResult]
            do {
                let benchmark = AllocBenchmark(pairs: pairs, timeLimit: .seconds(seconds))
                results = try benchmark.run(chosen, sizes: sizes.isEmpty ? AllocBenchmark.sizes : sizes)
            } catch {
                printError("heapwise: error: \(error)")
                throw Exit.allocationFailed
            }
            let report = AllocBenchReport(results: results)
            print(output.json ? report.json.serialized() : report.text)
        }
    }
}
