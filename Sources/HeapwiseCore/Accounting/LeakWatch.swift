/// Leak hints for `heapwise stats --watch`: holders (processes, and buffer names) whose
/// dma-buf bytes only grow across snapshots.
///
/// A hint is a lead, not a diagnosis. A leak grows without bound while the workload is
/// steady; so does a pipeline still filling its pools, a cache warming up, or a workload that
/// is itself growing. And a leak that stopped growing shows no hint at all. The rule is the
/// smallest that says "only grows": at least `minimumGrowths` intervals in which the bytes
/// grew and none in which they shrank, since the holder was first seen.
public struct LeakWatch: Hashable, Sendable {
    public static let explanation = """
    A leak hint names a holder whose dma-buf bytes never shrank and grew in at least 2 intervals since it was first seen. \
    It is a lead, not proof: a pipeline filling its pools, a warming cache or a growing workload look the same; \
    a leak keeps growing once the workload is steady, and a leak that stopped growing shows no hint.
    """

    public var minimumGrowths = 2
    private var series: [Key: Series] = [:]

    public init(minimumGrowths: Int = 2) { self.minimumGrowths = minimumGrowths }

    public enum Key: Hashable, Sendable, Comparable {
        case process(pid: Int32, command: String)
        case name(String)
    }

    struct Series: Hashable, Sendable {
        var first: Int
        var last: Int
        var snapshots: Int
        var growths: Int
        var shrank: Bool
    }

    public struct Hint: Hashable, Sendable {
        public var key: Key
        public var first: Int
        public var last: Int
        public var snapshots: Int
        public var growths: Int

        public var text: String {
            let who = switch key {
            case let .process(pid, command): "process \(pid) \(command)"
            case let .name(name): "buffers named '\(name)'"
            }
            return "leak hint: \(who) only grew: \(ByteCount.format(first)) → \(ByteCount.format(last)) over \(snapshots) snapshots (grew in \(growths) of \(snapshots - 1) intervals)"
        }

        public var json: JSON {
            let (kind, pid, command, name): (String, JSON, JSON, JSON) = switch key {
            case let .process(pid, command): ("process", .int(Int(pid)), .string(command), .null)
            case let .name(name): ("name", .null, .null, .string(name))
            }
            return .object([("kind", .string(kind)), ("pid", pid), ("command", command), ("name", name),
                            ("first", .int(first)), ("last", .int(last)), ("snapshots", .int(snapshots)), ("growths", .int(growths))])
        }
    }

    /// Adds a snapshot. A holder absent from it is forgotten: it freed everything (or exited),
    /// which is not a leak, and a long watch over short-lived processes stays small.
    public mutating func record(_ account: DMABufAccount) {
        var now: [Key: Int] = [:]
        for row in account.processes { now[.process(pid: row.process.pid, command: row.process.command), default: 0] += row.held }
        for row in account.names where row.key != "(unnamed)" { now[.name(row.key), default: 0] += row.bytes }
        for key in series.keys where now[key] == nil { series[key] = nil }
        for (key, bytes) in now {
            guard var entry = series[key] else {
                series[key] = Series(first: bytes, last: bytes, snapshots: 1, growths: 0, shrank: false)
                continue
            }
            if bytes > entry.last { entry.growths += 1 }
            if bytes < entry.last { entry.shrank = true }
            entry.last = bytes
            entry.snapshots += 1
            series[key] = entry
        }
    }

    /// The holders that only grew, largest growth first.
    public var hints: [Hint] {
        series.compactMap { key, entry in
            guard !entry.shrank, entry.growths >= minimumGrowths else { return nil }
            return Hint(key: key, first: entry.first, last: entry.last, snapshots: entry.snapshots, growths: entry.growths)
        }.sorted { ($0.last - $0.first, $1.key) > ($1.last - $1.first, $0.key) }
    }
}
