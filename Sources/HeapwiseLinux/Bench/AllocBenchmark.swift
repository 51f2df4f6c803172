import CHeapwiseLinux
import Glibc
import HeapwiseCore

/// `heapwise bench alloc`: allocate+free latency of each allocator through Heapwise, next to
/// a plain C loop making the same syscalls (`baseline.c`) in the same run, so the ratio shows
/// what Heapwise itself costs. The two sides alternate allocation by allocation, so drift
/// (page reclaim, CMA fragmentation, a busy host) hits both alike; each side reads the same
/// clock around exactly one allocate+free.
public struct AllocBenchmark {
    public struct Result: Hashable, Sendable {
        public let allocator: String
        public let size: Int
        public let heapwise: LatencySummary
        public let baseline: LatencySummary
        /// Heapwise median over baseline median.
        public var ratio: Double {
            let base = baseline.median.microseconds
            return base > 0 ? heapwise.median.microseconds / base : 0
        }
    }

    public static let sizes = [4 << 10, 1 << 20, 8 << 20]
    public static let targetRatio = 1.05

    public var iterations: Int
    public var rounds: Int

    public init(iterations: Int = 200, rounds: Int = 5) {
        self.iterations = iterations
        self.rounds = rounds
    }

    /// Every allocator this user can use: accessible dma-buf heaps, udmabuf, and memfd.
    public static func availableAllocators() -> [BufferAllocator] {
        var allocators: [BufferAllocator] = []
        for found in HeapDiscovery.discover() where found.accessible {
            switch found.heap.kind {
            case .udmabuf: if let udmabuf = try? Udmabuf() { allocators.append(udmabuf) }
            default: if let heap = try? DMAHeap(found.heap) { allocators.append(heap) }
            }
        }
        allocators.append(Memfd())
        return allocators
    }

    public func run(_ allocators: [BufferAllocator], sizes: [Int] = AllocBenchmark.sizes) throws(LinuxError) -> [Result] {
        var results: [Result] = []
        for allocator in allocators {
            for size in sizes {
                if let limit = allocator.heap.capacity, size * 2 > limit { continue }
                // Fewer rounds of big buffers: an 8 MiB system-heap allocation is milliseconds.
                let count = max(10, size >= 8 << 20 ? iterations / 4 : iterations)
                var mine: [Duration] = []
                var base: [Duration] = []
                mine.reserveCapacity(count * rounds)
                base.reserveCapacity(count * rounds)
                // The sides alternate allocation by allocation, in ABBA order, so drift (page
                // reclaim, CMA fragmentation, a busy host) and "who ran second" hit both alike.
                for i in 0..<(count * rounds) {
                    if i % 2 == 0 {
                        base.append(try baseline(allocator, size: size))
                        mine.append(try heapwise(allocator, size: size))
                    } else {
                        mine.append(try heapwise(allocator, size: size))
                        base.append(try baseline(allocator, size: size))
                    }
                }
                results.append(Result(allocator: allocator.heap.name, size: size,
                                      heapwise: LatencySummary(mine), baseline: LatencySummary(base)))
            }
        }
        return results
    }

    /// One allocate+free through Heapwise, timed with the baseline's own clock (`hw_now_ns`,
    /// CLOCK_MONOTONIC), so the two sides differ only in the code between the clock reads.
    private func heapwise(_ allocator: BufferAllocator, size: Int) throws(LinuxError) -> Duration {
        let start = hw_now_ns()
        let buffer = try allocator.allocate(byteCount: size)
        buffer.close()
        return .nanoseconds(Int64(hw_now_ns() - start))
    }

    /// One allocate+free by the C baseline, which times itself.
    private func baseline(_ allocator: BufferAllocator, size: Int) throws(LinuxError) -> Duration {
        var nanoseconds: UInt64 = 0
        let status: Int32
        switch allocator {
        case let heap as DMAHeap: status = hw_baseline_heap_loop(heap.descriptor, UInt64(size), 1, &nanoseconds)
        case let udmabuf as Udmabuf: status = hw_baseline_udmabuf_loop(udmabuf.descriptor, UInt64(size), 1, &nanoseconds)
        default: status = hw_baseline_memfd_loop(UInt64(size), 1, &nanoseconds)
        }
        if status != 0 {
            throw LinuxError.from(.init(rawValue: errno), node: allocator.node, operation: "baseline loop")
        }
        return .nanoseconds(Int64(nanoseconds))
    }
}
