/// What `heapwise bench broker` measured: per size, an allocate-and-receive round trip through
/// the broker (from its pool, and fresh) against allocating in this process (fresh from the
/// heap, and from a pool of its own), sides interleaved; then throughput with 1, 8 and 32
/// clients at once.
public struct BrokerBenchResult: Hashable, Sendable {
    public struct SizeRow: Hashable, Sendable {
        public var size: Int
        public var inProcessFresh: LatencySummary
        public var inProcessPooled: LatencySummary
        public var brokerFresh: LatencySummary
        public var brokerPooled: LatencySummary
        /// From the pool, allocated by a plan's number (no profiles sent or decoded).
        public var brokerPooledByPlan: LatencySummary
        /// The broker's cheapest round trip (an empty `release`: framing, JSON, policy, the
        /// poll loop and two wake-ups, no allocation and no fd): what any request costs.
        public var brokerFloor: LatencySummary

        public init(size: Int, inProcessFresh: LatencySummary, inProcessPooled: LatencySummary, brokerFresh: LatencySummary, brokerPooled: LatencySummary,
                    brokerPooledByPlan: LatencySummary, brokerFloor: LatencySummary) {
            self.size = size
            self.inProcessFresh = inProcessFresh
            self.inProcessPooled = inProcessPooled
            self.brokerFresh = brokerFresh
            self.brokerPooled = brokerPooled
            self.brokerPooledByPlan = brokerPooledByPlan
            self.brokerFloor = brokerFloor
        }

        /// What the broker adds to a pooled allocation: its round trip over the in-process pool's.
        public var overhead: Duration { brokerPooled.median - inProcessPooled.median }
    }

    public struct ConcurrencyRow: Hashable, Sendable {
        public var clients: Int
        public var size: Int
        public var allocations: Int
        public var seconds: Double
        public var latency: LatencySummary

        public init(clients: Int, size: Int, allocations: Int, seconds: Double, latency: LatencySummary) {
            self.clients = clients
            self.size = size
            self.allocations = allocations
            self.seconds = seconds
            self.latency = latency
        }

        public var perSecond: Double { seconds > 0 ? Double(allocations) / seconds : 0 }
    }

    public var heap: String
    public var sizes: [SizeRow]
    public var concurrency: [ConcurrencyRow]

    public init(heap: String, sizes: [SizeRow], concurrency: [ConcurrencyRow]) {
        self.heap = heap
        self.sizes = sizes
        self.concurrency = concurrency
    }

    /// Pooled broker allocation beats fresh in-process allocation at 1 MiB and up.
    public var pooledBeatsFresh: Bool? {
        let large = sizes.filter { $0.size >= 1 << 20 }
        return large.isEmpty ? nil : large.allSatisfy { $0.brokerPooled.median < $0.inProcessFresh.median }
    }

    /// The broker's round trip over in-process pooling, at most 30 µs (median, every size).
    public var overheadMet: Bool? {
        sizes.isEmpty ? nil : sizes.allSatisfy { $0.overhead <= .microseconds(30) }
    }

    /// 8 clients at once allocate at least 1.5 times as fast as one.
    public var scales: Bool? {
        guard let one = concurrency.first(where: { $0.clients == 1 }), let eight = concurrency.first(where: { $0.clients == 8 }), one.perSecond > 0 else { return nil }
        return eight.perSecond >= 1.5 * one.perSecond
    }

    public var text: String {
        var table = TextTable(["size", "fresh here µs", "pooled here µs", "broker fresh µs", "broker pooled µs", "p99 broker pooled µs",
                               "by plan µs", "empty trip µs", "overhead µs"])
        for row in sizes {
            table.append([ByteCount.format(row.size), row.inProcessFresh.median.microseconds.twoDecimals, row.inProcessPooled.median.microseconds.twoDecimals,
                          row.brokerFresh.median.microseconds.twoDecimals, row.brokerPooled.median.microseconds.twoDecimals,
                          row.brokerPooled.p99.microseconds.twoDecimals, row.brokerPooledByPlan.median.microseconds.twoDecimals,
                          row.brokerFloor.median.microseconds.twoDecimals, row.overhead.microseconds.twoDecimals])
        }
        var concurrent = TextTable(["clients", "size", "allocations", "per second", "median µs", "p99 µs"])
        for row in concurrency {
            concurrent.append([String(row.clients), ByteCount.format(row.size), String(row.allocations), row.perSecond.twoDecimals,
                               row.latency.median.microseconds.twoDecimals, row.latency.p99.microseconds.twoDecimals])
        }
        func verdict(_ value: Bool?) -> String { value.map { $0 ? "met" : "MISSED" } ?? "not measured" }
        return [
            "heap \(heap); medians of interleaved rounds; 'here' is this process allocating itself (fresh from the heap, or from its own pool,",
            "owners alternating so every reuse is zeroed, as the broker's are); 'broker' is allocate + receive the fd through heapwise serve;",
            "'by plan' allocates by a plan's number instead of sending the pipeline; 'empty trip' is an empty release, the floor of any request",
            table.render(),
            "",
            concurrent.render(),
            "",
            "targets: pooled broker faster than fresh here at 1 MiB and up: \(verdict(pooledBeatsFresh)); "
                + "overhead over pooled here ≤ 30 µs (median): \(verdict(overheadMet)); 8 clients ≥ 1.5 × one client's rate: \(verdict(scales))",
        ].joined(separator: "\n")
    }

    public var json: JSON {
        func latency(_ summary: LatencySummary) -> JSON {
            .object([("median_us", .double(summary.median.microseconds)), ("p99_us", .double(summary.p99.microseconds)), ("samples", .int(summary.samples))])
        }
        return .object([
            ("heap", .string(heap)),
            ("sizes", .array(sizes.map { row in
                .object([("size", .int(row.size)), ("in_process_fresh", latency(row.inProcessFresh)), ("in_process_pooled", latency(row.inProcessPooled)),
                         ("broker_fresh", latency(row.brokerFresh)), ("broker_pooled", latency(row.brokerPooled)),
                         ("broker_pooled_by_plan", latency(row.brokerPooledByPlan)), ("broker_empty_round_trip", latency(row.brokerFloor)),
                         ("overhead_us", .double(row.overhead.microseconds))])
            })),
            ("concurrency", .array(concurrency.map { row in
                .object([("clients", .int(row.clients)), ("size", .int(row.size)), ("allocations", .int(row.allocations)),
                         ("per_second", .double(row.perSecond)), ("latency", latency(row.latency))])
            })),
            ("targets", .object([("pooled_beats_fresh", pooledBeatsFresh.map(JSON.bool) ?? .null), ("overhead_met", overheadMet.map(JSON.bool) ?? .null),
                                 ("scales", scales.map(JSON.bool) ?? .null)])),
        ])
    }
}
