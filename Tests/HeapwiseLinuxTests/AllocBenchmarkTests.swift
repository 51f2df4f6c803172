import SystemPackage
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// `bench alloc` on the memfd allocator, which every Linux has; the lab runs it on the real
/// heaps. These check the harness (pairs, limits, skipped sizes), not the numbers.
@Suite struct AllocBenchmarkTests {
    @Test func everyRowHasThePairsAskedFor() throws {
        let results = try AllocBenchmark(pairs: 30, timeLimit: .seconds(60)).run([Memfd()], sizes: [4096, 10_000])
        #expect(results.map(\.size) == [4096, 10_000])
        for row in results {
            #expect(row.allocator == "memfd")
            #expect(row.comparison.pairs == 30)
            #expect(row.heapwise.samples == 30)
            #expect(row.ratio > 0 && row.comparison.controlRatio > 0)
            // The shared-handle side is paired with the same baseline samples.
            #expect(row.shared.candidate.samples == 30)
            #expect(row.shared.ratio > 0)
        }
        let report = AllocBenchReport(results: results)
        #expect(report.text.contains("target ratio ≤ 1.05"))
        #expect(report.text.contains("shared"))
        let json = report.json.serialized(indent: nil)
        for key in ["\"ratio\"", "\"shared_ratio\"", "\"shared_median_ns\"", "\"control_ratio\"", "\"pairs\":30"] {
            #expect(json.contains(key), "bench alloc --json has \(key)")
        }
    }

    /// A row stops at its time limit, but never before it has enough pairs to mean anything.
    @Test func timeLimitStopsARowAfterTheMinimumPairs() throws {
        let results = try AllocBenchmark(pairs: 10_000_000, timeLimit: .nanoseconds(1)).run([Memfd()], sizes: [4096])
        #expect(results.first?.comparison.pairs == AllocBenchmark.minimumPairs)
    }

    /// A heap too small to hold a size twice over is not benchmarked at that size.
    @Test func sizesBeyondAHeapsCapacityAreSkipped() throws {
        final class SmallHeap: BufferAllocator {
            let heap = Heap(name: "small", kind: .memfd, contiguous: false, addressBits: 64, cached: true,
                            capacity: 1 << 20, deviceShareable: false)
            let node = "memfd"
            func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf { try Memfd().allocatePageAligned(length) }
            func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> { Memfd().baselineAllocateFree(length) }
        }
        let results = try AllocBenchmark(pairs: 3).run([SmallHeap()], sizes: [4096, 1 << 20])
        #expect(results.map(\.size) == [4096])
    }

    /// The benchmark holds no descriptor after it returns.
    @Test func leavesNoDescriptorOpen() throws {
        let before = KernelLab.openDescriptorCount()
        _ = try AllocBenchmark(pairs: 50).run([Memfd()], sizes: [4096])
        #expect(KernelLab.openDescriptorCount() == before)
    }
}
