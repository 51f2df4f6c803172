/// The totals of a `DMABufSnapshot`: per buffer (its holders), per process (owned, shared and
/// proportional bytes), per exporter and per buffer name.
///
/// The proportional share is to dma-bufs what PSS is to pages: a buffer's size divided among
/// the processes holding it, so the shares of all processes add up to the bytes held. The
/// division is exact to the byte: the remainder of `size ÷ holders` goes one byte each to the
/// lowest pids, so the column sums to the total with nothing lost to rounding.
public struct DMABufAccount: Hashable, Sendable {
    public let snapshot: DMABufSnapshot
    /// Every buffer some process read holds, largest first.
    public let buffers: [BufferTotals]
    /// Every process read that holds a dma-buf, by proportional bytes, largest first.
    public let processes: [ProcessTotals]
    public let exporters: [GroupTotals]
    public let names: [GroupTotals]
    /// Distinct buffers held by the processes read, and their bytes.
    public let total: GroupTotals
    /// Buffers a kernel listing has that no process read holds: kept by an importing driver
    /// after userspace closed them, or held by processes this user cannot read.
    public let unheld: GroupTotals?

    public struct BufferTotals: Hashable, Sendable {
        public var buffer: DMABufSnapshot.Buffer
        /// The distinct processes holding it, by pid.
        public var holders: [Int32]
        public var holdings: [DMABufSnapshot.Holding]
        /// References fdinfo counts that no fd or mapping read accounts for: an importing
        /// driver (DRM PRIME, V4L2 `DMABUF` queues), an fd in flight in a Unix socket, or a
        /// process this user cannot read. Nil when no fdinfo was read for the buffer.
        public var otherReferences: Int? {
            buffer.fileReferences.map { max(0, $0 - holdings.count) }
        }
    }

    public struct ProcessTotals: Hashable, Sendable {
        public var process: DMABufSnapshot.Process
        public var buffers: Int
        /// Bytes of buffers no other process read holds.
        public var owned: Int
        /// Full bytes of buffers it holds with other processes.
        public var shared: Int
        /// Its share of every buffer it holds, exact to the byte.
        public var proportional: Int
        /// Everything it holds, each buffer counted in full: `owned + shared`.
        public var held: Int { owned + shared }
    }

    public struct GroupTotals: Hashable, Sendable {
        public var key: String
        public var buffers: Int
        public var bytes: Int
    }

    public init(_ snapshot: DMABufSnapshot) {
        self.snapshot = snapshot
        var holdingsByInode: [UInt64: [DMABufSnapshot.Holding]] = [:]
        for holding in snapshot.holdings where snapshot.buffers[holding.inode] != nil {
            holdingsByInode[holding.inode, default: []].append(holding)
        }
        var perBuffer: [BufferTotals] = []
        perBuffer.reserveCapacity(holdingsByInode.count)
        // Plain counters while summing; the process records (with their strings) join once at the end.
        var sums: [Int32: (buffers: Int, owned: Int, shared: Int, proportional: Int)] = [:]
        for (inode, holdings) in holdingsByInode {
            guard let buffer = snapshot.buffers[inode] else { continue }
            var holders = holdings.map(\.pid)
            holders.sort()
            holders.removeAdjacentDuplicates()
            perBuffer.append(BufferTotals(buffer: buffer, holders: holders, holdings: holdings))
            let share = buffer.size / holders.count
            let remainder = buffer.size % holders.count
            for (index, pid) in holders.enumerated() {
                sums[pid, default: (0, 0, 0, 0)].buffers += 1
                if holders.count == 1 { sums[pid]?.owned += buffer.size } else { sums[pid]?.shared += buffer.size }
                sums[pid]?.proportional += share + (index < remainder ? 1 : 0)
            }
        }
        let perProcess = sums.map { pid, sum in
            ProcessTotals(process: snapshot.processes[pid] ?? DMABufSnapshot.Process(pid: pid, command: "?", uid: nil),
                          buffers: sum.buffers, owned: sum.owned, shared: sum.shared, proportional: sum.proportional)
        }
        buffers = perBuffer.sorted { ($0.buffer.size, $1.buffer.inode) > ($1.buffer.size, $0.buffer.inode) }
        processes = perProcess.sorted { ($0.proportional, $1.process.pid) > ($1.proportional, $0.process.pid) }
        exporters = Self.group(perBuffer) { $0.buffer.exporter ?? "(unknown)" }
        names = Self.group(perBuffer) { $0.buffer.name ?? "(unnamed)" }
        total = GroupTotals(key: "total", buffers: perBuffer.count, bytes: perBuffer.reduce(0) { $0 + $1.buffer.size })
        let listing = snapshot.kernel.bufinfo.buffers ?? snapshot.kernel.sysfsBuffers.buffers
        unheld = listing.map { kernelBuffers in
            let missing = kernelBuffers.filter { holdingsByInode[$0.key] == nil }
            return GroupTotals(key: "unheld", buffers: missing.count, bytes: missing.values.reduce(0, +))
        }
    }

    static func group(_ buffers: [BufferTotals], by key: (BufferTotals) -> String) -> [GroupTotals] {
        var groups: [String: GroupTotals] = [:]
        for entry in buffers {
            let name = key(entry)
            groups[name, default: GroupTotals(key: name, buffers: 0, bytes: 0)].buffers += 1
            groups[name]?.bytes += entry.buffer.size
        }
        return groups.values.sorted { ($0.bytes, $1.key) > ($1.bytes, $0.key) }
    }

    /// The totals of one process, nil when it holds no dma-buf (or was not read).
    public func process(_ pid: Int32) -> ProcessTotals? { processes.first { $0.process.pid == pid } }
}

extension Array where Element: Equatable {
    /// In place, for a sorted array: each run of equal elements becomes one.
    mutating func removeAdjacentDuplicates() {
        guard count > 1 else { return }
        var kept = 1
        for index in 1..<count where self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}
