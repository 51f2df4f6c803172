/// What a buffer pool did, per allocator and buffer size: plain data for `heapwise plan
/// --allocate --reuse N` (text and `--json`) and, later, the broker's `stats`.
public struct PoolStatistics: Hashable, Sendable {
    public struct Row: Hashable, Sendable {
        public var heap: String
        /// Bytes per buffer (page-aligned).
        public var size: Int
        /// Leases served from the free list, and fresh allocations.
        public var hits: Int
        public var misses: Int
        /// Bytes zeroed because a buffer changed owner.
        public var bytesZeroed: Int
        public var idleBuffers: Int
        /// Buffers freed by limits, age or `trim()`, and their bytes.
        public var trimmedBuffers: Int
        public var trimmedBytes: Int
        /// Fresh allocations that succeeded only after the pool freed idle buffers of the heap.
        public var retriesAfterTrim: Int
        /// What a fresh buffer cost here (allocate, map, fault in), averaged over the misses.
        public var freshNanosecondsMean: Int?

        public init(heap: String, size: Int, hits: Int, misses: Int, bytesZeroed: Int, idleBuffers: Int,
                    trimmedBuffers: Int, trimmedBytes: Int, retriesAfterTrim: Int, freshNanosecondsMean: Int?) {
            self.heap = heap
            self.size = size
            self.hits = hits
            self.misses = misses
            self.bytesZeroed = bytesZeroed
            self.idleBuffers = idleBuffers
            self.trimmedBuffers = trimmedBuffers
            self.trimmedBytes = trimmedBytes
            self.retriesAfterTrim = retriesAfterTrim
            self.freshNanosecondsMean = freshNanosecondsMean
        }

        public var idleBytes: Int { idleBuffers * size }
        /// What the hits would have cost as fresh allocations, at the measured fresh cost.
        public var freshCostOfHitsNanoseconds: Int? { freshNanosecondsMean.map { $0 * hits } }
    }

    public var rows: [Row]
    public var idleBuffers: Int
    public var idleBytes: Int
    public var inUseBuffers: Int
    public var inUseBytes: Int

    public init(rows: [Row], idleBuffers: Int, idleBytes: Int, inUseBuffers: Int, inUseBytes: Int) {
        self.rows = rows
        self.idleBuffers = idleBuffers
        self.idleBytes = idleBytes
        self.inUseBuffers = inUseBuffers
        self.inUseBytes = inUseBytes
    }

    public var text: String {
        var table = TextTable(["heap", "size", "hits", "misses", "zeroed", "idle", "idle bytes", "trimmed", "fresh cost", "saved"])
        for row in rows {
            table.append([
                row.heap, ByteCount.format(row.size), "\(row.hits)", "\(row.misses)", ByteCount.format(row.bytesZeroed),
                "\(row.idleBuffers)", ByteCount.format(row.idleBytes), "\(row.trimmedBuffers)",
                row.freshNanosecondsMean.map(Self.duration) ?? "-", row.freshCostOfHitsNanoseconds.map(Self.duration) ?? "-",
            ])
        }
        return table.render() + "\nidle: \(idleBuffers) buffers, \(ByteCount.format(idleBytes)); in use: \(inUseBuffers) buffers, "
            + "\(ByteCount.format(inUseBytes))\nfresh cost: allocate + map + first touch of one buffer, measured on the misses; "
            + "saved: what the hits would have cost fresh"
    }

    public var json: JSON {
        .object([
            ("rows", .array(rows.map { row in
                .object([
                    ("heap", .string(row.heap)), ("size", .int(row.size)), ("hits", .int(row.hits)), ("misses", .int(row.misses)),
                    ("bytes_zeroed", .int(row.bytesZeroed)), ("idle_buffers", .int(row.idleBuffers)), ("idle_bytes", .int(row.idleBytes)),
                    ("trimmed_buffers", .int(row.trimmedBuffers)), ("trimmed_bytes", .int(row.trimmedBytes)),
                    ("retries_after_trim", .int(row.retriesAfterTrim)),
                    ("fresh_ns_mean", JSON(row.freshNanosecondsMean)), ("fresh_cost_of_hits_ns", JSON(row.freshCostOfHitsNanoseconds)),
                ])
            })),
            ("idle_buffers", .int(idleBuffers)), ("idle_bytes", .int(idleBytes)),
            ("in_use_buffers", .int(inUseBuffers)), ("in_use_bytes", .int(inUseBytes)),
        ])
    }

    /// `680 µs`, `6.1 ms`, `13.9 µs`.
    static func duration(_ nanoseconds: Int) -> String {
        if nanoseconds >= 10_000_000 { return "\(nanoseconds / 1_000_000) ms" }
        if nanoseconds >= 1_000_000 { return (Double(nanoseconds) / 1e6).oneDecimal + " ms" }
        if nanoseconds >= 10_000 { return "\(nanoseconds / 1_000) µs" }
        return (Double(nanoseconds) / 1e3).oneDecimal + " µs"
    }
}

extension Double {
    /// One decimal (`6.1`), without Foundation's formatters.
    var oneDecimal: String {
        let tenths = Int((self * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

/// `heapwise plan --allocate --reuse N`: a plan's images released and re-acquired through a
/// pool, owners alternating, and what the pool did.
public struct ReuseReport: Hashable, Sendable {
    public var heap: String
    public var rounds: Int
    /// Leases after the first allocation, and how many arrived with another owner's bytes.
    public var leases: Int
    public var unzeroedLeases: Int
    public var statistics: PoolStatistics

    public init(heap: String, rounds: Int, leases: Int, unzeroedLeases: Int, statistics: PoolStatistics) {
        self.heap = heap
        self.rounds = rounds
        self.leases = leases
        self.unzeroedLeases = unzeroedLeases
        self.statistics = statistics
    }

    public var text: String {
        let verdict = unzeroedLeases == 0
            ? "every one arrived zeroed"
            : "\(unzeroedLeases) arrived with another owner's bytes (a bug: please report it)"
        return "Reused \(rounds) × through a pool on heap '\(heap)', two owners taking turns: \(leases) leases, \(verdict)\n"
            + statistics.text
    }

    public var json: JSON {
        .object([
            ("heap", .string(heap)), ("rounds", .int(rounds)), ("leases", .int(leases)),
            ("unzeroed_leases", .int(unzeroedLeases)), ("pool", statistics.json),
        ])
    }
}
