/// What changed between two snapshots (`heapwise stats --watch`): buffers that appeared,
/// buffers that were freed, and processes whose holdings grew or shrank.
public struct DMABufChanges: Hashable, Sendable {
    public var new: [DMABufAccount.BufferTotals]
    public var freed: [DMABufAccount.BufferTotals]
    /// Processes whose held bytes (each buffer in full) changed, including ones that began or
    /// stopped holding dma-bufs.
    public var changed: [ProcessChange]
    public var total: DMABufAccount.GroupTotals

    public struct ProcessChange: Hashable, Sendable {
        public var process: DMABufSnapshot.Process
        public var before: Int
        public var after: Int
    }

    /// With `pid`, only the buffers that process held (before or after) and its own change.
    public init(from old: DMABufAccount, to new: DMABufAccount, pid: Int32? = nil) {
        let oldInodes = Set(old.buffers.map(\.buffer.inode))
        let newInodes = Set(new.buffers.map(\.buffer.inode))
        let mine = { (row: DMABufAccount.BufferTotals) in pid.map { row.holders.contains($0) } ?? true }
        self.new = new.buffers.filter { !oldInodes.contains($0.buffer.inode) && mine($0) }
        freed = old.buffers.filter { !newInodes.contains($0.buffer.inode) && mine($0) }
        var before: [ProcessKey: DMABufAccount.ProcessTotals] = [:]
        for row in old.processes where pid.map({ row.process.pid == $0 }) ?? true { before[ProcessKey(row.process)] = row }
        var changes: [ProcessChange] = []
        var seen: Set<ProcessKey> = []
        for row in new.processes where pid.map({ row.process.pid == $0 }) ?? true {
            let key = ProcessKey(row.process)
            seen.insert(key)
            let previous = before[key]?.held ?? 0
            if previous != row.held { changes.append(ProcessChange(process: row.process, before: previous, after: row.held)) }
        }
        for (key, row) in before where !seen.contains(key) {
            changes.append(ProcessChange(process: row.process, before: row.held, after: 0))
        }
        changed = changes.sorted { (abs($0.after - $0.before), $1.process.pid) > (abs($1.after - $1.before), $0.process.pid) }
        total = pid.flatMap { pid in
            new.process(pid).map { DMABufAccount.GroupTotals(key: "total", buffers: $0.buffers, bytes: $0.held) }
        } ?? (pid == nil ? new.total : DMABufAccount.GroupTotals(key: "total", buffers: 0, bytes: 0))
    }

    public var isEmpty: Bool { new.isEmpty && freed.isEmpty && changed.isEmpty }

    /// `after 2 s: +1 buffer (4 MiB), −0 freed; total 12 MiB in 3 buffers`, then one line each.
    public func text(label: String) -> String {
        let added = new.reduce(0) { $0 + $1.buffer.size }
        let removed = freed.reduce(0) { $0 + $1.buffer.size }
        var lines = ["\(label): \(new.count) new (\(ByteCount.format(added))), \(freed.count) freed (\(ByteCount.format(removed))); now \(total.buffers) buffers, \(ByteCount.format(total.bytes))"]
        for row in new { lines.append("  new    " + Self.describe(row) + " held by " + row.holders.map(String.init).joined(separator: ", ")) }
        for row in freed { lines.append("  freed  " + Self.describe(row)) }
        for change in changed {
            let word = change.after > change.before ? "grown " : "shrunk"
            let delta = change.after - change.before
            lines.append("  \(word) \(change.process.pid) \(change.process.command): \(ByteCount.format(change.before)) → \(ByteCount.format(change.after)) (\(delta > 0 ? "+" : "−")\(ByteCount.format(abs(delta))))")
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ row: DMABufAccount.BufferTotals) -> String {
        "inode \(row.buffer.inode) \(ByteCount.format(row.buffer.size)) \(row.buffer.exporter ?? "(unknown)")" + (row.buffer.name.map { " '\($0)'" } ?? "")
    }

    public func json(elapsedSeconds: Int, hints: [LeakWatch.Hint]) -> JSON {
        .object([
            ("elapsed_seconds", .int(elapsedSeconds)),
            ("total", .object([("buffers", .int(total.buffers)), ("bytes", .int(total.bytes))])),
            ("new", .array(new.map(DMABufStatsReport.json))),
            ("freed", .array(freed.map(DMABufStatsReport.json))),
            ("changed", .array(changed.map {
                .object([("pid", .int(Int($0.process.pid))), ("command", .string($0.process.command)),
                         ("before", .int($0.before)), ("after", .int($0.after))])
            })),
            ("leak_hints", .array(hints.map(\.json))),
        ])
    }
}

/// A process is the same one across snapshots when pid and command agree (a reused pid with
/// another command is another process).
struct ProcessKey: Hashable {
    var pid: Int32
    var command: String
    init(_ process: DMABufSnapshot.Process) { (pid, command) = (process.pid, process.command) }
}
