/// `heapwise bench iova`: the device-address allocator under churn. Each allocator is first
/// filled to N live mappings (sizes 4 KiB–2 MiB in pages, alignments of a page, 64 KiB or
/// 2 MiB), then every round frees a random live mapping and allocates a new one, in batches
/// timed as a whole (a clock read costs as much as an operation). The allocators of every
/// scale are stepped in a seeded random order each round, so the machine's drift lands on
/// all of them alike.
public struct IOVABenchmark: Sendable {
    public struct Row: Hashable, Sendable {
        public var liveRanges: Int
        /// Free ranges in the tree at the end (what the search runs over).
        public var freeRanges: Int
        /// Nanoseconds per operation (one allocate or one free): median and p99 of the batches.
        public var medianNanoseconds: Double
        public var p99Nanoseconds: Double
        public var batches: Int
        public var fragmentation: Double
    }

    public var scales: [Int]
    public var rounds: Int
    /// Operations per timed batch (half frees, half allocations).
    public var batch: Int

    public init(scales: [Int] = [1000, 100_000], rounds: Int = 400, batch: Int = 256) {
        self.scales = scales
        self.rounds = rounds
        self.batch = batch
    }

    struct Churn {
        var allocator: IOVAAllocator
        var live: [IOVARange]
        var random: SplitMix64

        static let alignments: [UInt64] = [0, 0, 0, 1 << 16, 1 << 21]

        mutating func allocateOne() throws(IOVAError) {
            let bytes = (1 + random.next() % 512) << 12
            let alignment = Self.alignments[Int(random.next() % UInt64(Self.alignments.count))]
            live.append(try allocator.allocate(bytes: bytes, alignment: alignment))
        }

        /// One free of a random live mapping and one allocation, so the count stays put.
        mutating func step() throws(IOVAError) {
            let index = Int(random.next() % UInt64(live.count))
            live.swapAt(index, live.count - 1)
            try allocator.free(live.removeLast())
            try allocateOne()
        }
    }

    public func run() throws -> [Row] {
        // A 48-bit space: 100,000 mappings of up to 2 MiB never run it out.
        let space = try DeviceAddressSpace(bits: 48)
        var churns: [Churn] = []
        for (index, count) in scales.enumerated() {
            var churn = Churn(allocator: IOVAAllocator(space, seed: UInt64(index + 1)), live: [], random: SplitMix64(seed: 0x10FA + UInt64(index)))
            churn.live.reserveCapacity(count + 1)
            for _ in 0..<count { try churn.allocateOne() }
            // Churn before timing, so the free tree has the shape steady use gives it.
            for _ in 0..<min(count, 20_000) { try churn.step() }
            churns.append(churn)
        }
        var order = Array(churns.indices)
        var random = SplitMix64(seed: 0x494F)
        var timings: [[Duration]] = Array(repeating: [], count: churns.count)
        let clock = ContinuousClock()
        let steps = max(1, batch / 2)
        for _ in 0..<rounds {
            order.shuffle(using: &random)
            for index in order {
                let start = clock.now
                for _ in 0..<steps { try churns[index].step() }
                timings[index].append((clock.now - start) / (steps * 2))
            }
        }
        return churns.indices.map { index in
            let summary = LatencySummary(timings[index])
            return Row(liveRanges: scales[index], freeRanges: churns[index].allocator.freeRanges,
                       medianNanoseconds: summary.median.microseconds * 1000, p99Nanoseconds: summary.p99.microseconds * 1000,
                       batches: summary.samples, fragmentation: churns[index].allocator.fragmentation)
        }
    }
}

/// What `bench iova` prints, with its targets: ≤ 200 ns median at 100,000 live ranges, and
/// growth no worse than logarithmic from the smallest scale to the largest.
public struct IOVABenchResult: Hashable, Sendable {
    public var rows: [IOVABenchmark.Row]

    public init(rows: [IOVABenchmark.Row]) { self.rows = rows }

    /// Median cost at the largest scale over the smallest's.
    public var growth: Double? {
        guard let first = rows.first, let last = rows.last, rows.count > 1, first.medianNanoseconds > 0 else { return nil }
        return last.medianNanoseconds / first.medianNanoseconds
    }

    /// What logarithmic growth predicts: log₂ of the largest scale's free ranges over the smallest's.
    public var logarithmicGrowth: Double? {
        guard let first = rows.first, let last = rows.last, rows.count > 1 else { return nil }
        return Self.log2(Double(max(2, last.freeRanges))) / Self.log2(Double(max(2, first.freeRanges)))
    }

    /// log₂ without Foundation: the exponent, then the mantissa's bits by repeated squaring.
    static func log2(_ value: Double) -> Double {
        var result = Double(value.exponent)
        var mantissa = value.significand
        var bit = 0.5
        for _ in 0..<30 {
            mantissa *= mantissa
            if mantissa >= 2 {
                mantissa /= 2
                result += bit
            }
            bit /= 2
        }
        return result
    }

    public var fastEnough: Bool? {
        rows.first { $0.liveRanges >= 100_000 }.map { $0.medianNanoseconds <= 200 }
    }

    /// Logarithmic within a factor of 1.5 of the prediction (linear would be ~100×).
    public var logarithmic: Bool? {
        guard let growth, let logarithmicGrowth else { return nil }
        return growth <= 1.5 * logarithmicGrowth
    }

    public var linearGrowth: Double? {
        guard let first = rows.first, let last = rows.last, rows.count > 1, first.liveRanges > 0 else { return nil }
        return Double(last.liveRanges) / Double(first.liveRanges)
    }

    public var text: String {
        var table = TextTable(["live ranges", "free ranges", "median ns/op", "p99 ns/op", "batches", "fragmentation"])
        for row in rows {
            table.append([String(row.liveRanges), String(row.freeRanges), row.medianNanoseconds.twoDecimals, row.p99Nanoseconds.twoDecimals,
                          String(row.batches), row.fragmentation.twoDecimals])
        }
        func verdict(_ value: Bool?) -> String { value.map { $0 ? "met" : "MISSED" } ?? "not measured" }
        return [
            "first-fit IOVA allocation in a 48-bit space, sizes 4 KiB–2 MiB, alignments 4 KiB/64 KiB/2 MiB; each op is one free or one allocate, timed in batches",
            table.render(),
            "",
            "growth from \(rows.first?.liveRanges ?? 0) to \(rows.last?.liveRanges ?? 0) live ranges: \(growth?.twoDecimals ?? "-")× (logarithmic predicts \(logarithmicGrowth?.twoDecimals ?? "-")×, linear \(linearGrowth?.twoDecimals ?? "-")×)",
            "targets: ≤ 200 ns median at 100,000 live ranges: \(verdict(fastEnough)); logarithmic growth: \(verdict(logarithmic))",
        ].joined(separator: "\n")
    }

    public var json: JSON {
        .object([
            ("rows", .array(rows.map { row in
                .object([("live_ranges", .int(row.liveRanges)), ("free_ranges", .int(row.freeRanges)), ("median_ns", .double(row.medianNanoseconds)),
                         ("p99_ns", .double(row.p99Nanoseconds)), ("batches", .int(row.batches)), ("fragmentation", .double(row.fragmentation))])
            })),
            ("growth", growth.map(JSON.double) ?? .null),
            ("logarithmic_growth", logarithmicGrowth.map(JSON.double) ?? .null),
            ("targets", .object([("fast_enough", fastEnough.map(JSON.bool) ?? .null), ("logarithmic", logarithmic.map(JSON.bool) ?? .null)])),
        ])
    }
}
