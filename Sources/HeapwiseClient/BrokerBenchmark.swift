import HeapwiseCore
import HeapwiseLinux

/// `heapwise bench broker`: starts `heapwise serve` (the given executable) on a socket of its
/// own, then per size interleaves six sides, in a seeded random order each
/// round: fresh from the heap in this process, from this process's own pool (owners
/// alternating, so each reuse is zeroed as the broker's are), and through the broker from its
/// pool and fresh (a size no pooled buffer has), from its pool by a plan's number, and the
/// broker's cheapest request (an empty release) as the floor under them all. Then 1, 8 and
/// 32 clients at once, each allocating from the broker's pool and giving back. Needs an
/// accessible system heap.
public struct BrokerBenchmark {
    public var executable: String
    public var sizes: [Int]
    public var rounds: Int
    public var clientCounts: [Int]
    /// Pooled round trips per client in the concurrency runs.
    public var perClient: Int

    public init(executable: String, sizes: [Int] = [4 << 10, 1 << 20, 8 << 20], rounds: Int = 200,
                clientCounts: [Int] = [1, 8, 32], perClient: Int = 100) {
        self.executable = executable
        self.sizes = sizes
        self.rounds = rounds
        self.clientCounts = clientCounts
        self.perClient = perClient
    }

    public enum Failure: Error, CustomStringConvertible {
        case noHeap
        case broker(String)

        public var description: String {
            switch self {
            case .noHeap: "bench broker needs a system dma-buf heap this user can open (/dev/dma_heap/system); run it as root where there is one (the kernel lab)"
            case let .broker(text): text
            }
        }
    }

    /// A one-participant pipeline whose single LINEAR R8 plane is exactly `size` bytes.
    static func pipeline(bytes size: Int) -> PipelineDescription {
        let width = 4096
        let height = max(1, size / width)
        let profile = """
            name: bench-sink
            heaps: [system]
            usages:
              read:
                formats:
                  - format: R8
                    modifiers: [LINEAR]
            """
        return PipelineDescription(width: size < width ? size : width, height: size < width ? 1 : height, count: 1, formats: FormatInfo.lookup("R8").map { [$0] },
                                   participants: [.init(device: .profileText(profile), usage: "read")])
    }

    public func run() throws -> BrokerBenchResult {
        guard let system = HeapDiscovery.discover().first(where: { $0.heap.kind == .system && $0.accessible }) else { throw Failure.noHeap }
        let heap = try DMAHeap(system.heap)
        let scratch = try ScratchDirectory(prefix: "heapwise-bench-broker")
        let socket = scratch.reserve("s.sock")
        let policyPath = try scratch.write("rules:\n  - uid: \(DMABufAccounting.readerUID)\n    heaps: [system]\n    max_bytes: 2GiB\n    max_buffers: 100000\n    requests_per_second: 100000000\n",
                                           to: "policy.yaml")
        let broker = try ChildProcess.spawn([executable, "serve", "--socket", socket, "--policy", policyPath, "--log-level", "warning"])
        defer { broker.terminate() }
        var connected: BrokerClient?
        for _ in 0..<500 where connected == nil {
            connected = try? BrokerClient(socket: socket, client: "bench")
            if connected == nil { Threads.sleep(.milliseconds(10)) }
        }
        guard let client = connected else { throw Failure.broker("heapwise serve did not start listening on \(socket)") }

        let pool = BufferPool(maxIdleAge: nil)
        var random = SplitMix64(seed: 0x4252_4F4B)
        var rows: [BrokerBenchResult.SizeRow] = []
        let clock = ContinuousClock()
        for size in sizes {
            let pipeline = Self.pipeline(bytes: size)
            let rounds = size >= 8 << 20 ? max(10, self.rounds / 8) : self.rounds
            var times: [[Duration]] = [[], [], [], [], [], []]
            var freshPages = 0
            // Warm both pools with one buffer of the size.
            try warm(client, pipeline)
            guard let planNumber = try client.plan(pipeline).number else { throw Failure.broker("the broker found no plan for the bench's pipeline") }
            let warmLease = try pool.acquire(from: heap, byteCount: size, owner: PoolOwner(1))
            warmLease.release()
            for round in 0..<rounds {
                var order = [0, 1, 2, 3, 4, 5]
                order.shuffle(using: &random)
                for side in order {
                    switch side {
                    case 0:
                        let start = clock.now
                        let buffer = try heap.allocateUnique(byteCount: size)
                        times[0].append(clock.now - start)
                        buffer.close()
                    case 1:
                        let start = clock.now
                        let lease = try pool.acquire(from: heap, byteCount: size, owner: PoolOwner(UInt64(2 + round % 2)))
                        times[1].append(clock.now - start)
                        lease.release()
                    case 2:
                        times[2].append(try roundTrip(client) { () throws(BrokerClientError) in try client.allocate(pipeline) })
                    case 4:
                        times[4].append(try roundTrip(client) { () throws(BrokerClientError) in try client.allocate(plan: planNumber) })
                    case 5:
                        let start = clock.now
                        try client.release([])
                        times[5].append(clock.now - start)
                    default:
                        // A size no pooled buffer has: the broker allocates fresh.
                        freshPages += 1
                        var fresh = pipeline
                        fresh.height += freshPages
                        times[3].append(try roundTrip(client) { () throws(BrokerClientError) in try client.allocate(fresh) })
                    }
                }
            }
            rows.append(.init(size: size, inProcessFresh: LatencySummary(times[0]), inProcessPooled: LatencySummary(times[1]),
                              brokerFresh: LatencySummary(times[3]), brokerPooled: LatencySummary(times[2]),
                              brokerPooledByPlan: LatencySummary(times[4]), brokerFloor: LatencySummary(times[5])))
            _ = pool.trim()
        }

        var concurrency: [BrokerBenchResult.ConcurrencyRow] = []
        let size = sizes.first ?? 4096
        let pipeline = Self.pipeline(bytes: size)
        for count in clientCounts {
            let clients = try (0..<count).map { index in try BrokerClient(socket: socket, client: "bench \(index)") }
            for each in clients { try warm(each, pipeline) }
            let start = clock.now
            let results = Threads.run(count) { index -> [Duration] in
                var latencies: [Duration] = []
                for _ in 0..<perClient {
                    let began = clock.now
                    guard let (allocation, buffers) = try? clients[index].allocate(pipeline) else { return latencies }
                    latencies.append(clock.now - began)
                    buffers.forEach { $0.close() }
                    _ = try? clients[index].release(allocation.buffers.map(\.inode))
                }
                return latencies
            }
            let elapsed = clock.now - start
            let all = results.flatMap { $0 }
            concurrency.append(.init(clients: count, size: size, allocations: all.count, seconds: elapsed.microseconds / 1e6, latency: LatencySummary(all)))
        }
        return BrokerBenchResult(heap: heap.heap.name, sizes: rows, concurrency: concurrency)
    }

    /// One allocation given back, so the broker's pool has a buffer of the size.
    private func warm(_ client: BrokerClient, _ pipeline: PipelineDescription) throws {
        _ = try roundTrip(client) { () throws(BrokerClientError) in try client.allocate(pipeline) }
    }

    /// Times `allocate` (the request and the fds received), then closes the buffers and
    /// releases them so the broker's pool has them for the next round.
    private func roundTrip(_ client: BrokerClient,
                           _ allocate: () throws(BrokerClientError) -> (allocation: BrokerAllocation, buffers: [DMABuf])) throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let (allocation, buffers) = try allocate()
        let elapsed = clock.now - start
        buffers.forEach { $0.close() }
        try client.release(allocation.buffers.map(\.inode))
        return elapsed
    }
}
