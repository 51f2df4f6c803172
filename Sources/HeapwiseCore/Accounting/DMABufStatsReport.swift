/// `heapwise stats`: a snapshot's totals as tables for people (`text`) and JSON for scripts
/// (`json`, in DMABufStatsJSON.swift), optionally for one process.
public struct DMABufStatsReport: Hashable, Sendable {
    public enum View: String, Hashable, Sendable, CaseIterable {
        case process, heap, buffer, name
    }

    public let account: DMABufAccount
    /// Only the buffers this process holds (the shares still count every holder).
    public let pid: Int32?
    /// The uid the snapshot was read as: 0 reads every process.
    public let readerUID: UInt32

    public init(_ account: DMABufAccount, pid: Int32? = nil, readerUID: UInt32) {
        self.account = account
        self.pid = pid
        self.readerUID = readerUID
    }

    /// The buffers shown: all, or those `pid` holds.
    public var buffers: [DMABufAccount.BufferTotals] {
        guard let pid else { return account.buffers }
        return account.buffers.filter { $0.holders.contains(pid) }
    }

    public var processes: [DMABufAccount.ProcessTotals] {
        guard let pid else { return account.processes }
        return account.processes.filter { $0.process.pid == pid }
    }

    public var exporters: [DMABufAccount.GroupTotals] { pid == nil ? account.exporters : DMABufAccount.group(buffers) { $0.buffer.exporter ?? "(unknown)" } }
    public var names: [DMABufAccount.GroupTotals] { pid == nil ? account.names : DMABufAccount.group(buffers) { $0.buffer.name ?? "(unnamed)" } }
    public var total: DMABufAccount.GroupTotals {
        DMABufAccount.GroupTotals(key: "total", buffers: buffers.count, bytes: buffers.reduce(0) { $0 + $1.buffer.size })
    }

    /// Without a view: processes, then heaps and exporters.
    public func text(by view: View?) -> String {
        var sections: [String] = []
        if let pid, account.process(pid) == nil {
            sections.append("Process \(pid) holds no dma-buf" + (account.snapshot.processes[pid] == nil ? " (or was not read: see below)." : "."))
        } else {
            switch view {
            case nil: sections += [processText, exporterText]
            case .process?: sections.append(processText)
            case .heap?: sections.append(exporterText)
            case .buffer?: sections.append(bufferText)
            case .name?: sections.append(nameText)
            }
        }
        let notes = self.notes
        if !notes.isEmpty { sections.append(notes.joined(separator: "\n")) }
        return sections.joined(separator: "\n\n")
    }

    private var headline: String {
        let holders = Set(buffers.flatMap(\.holders)).count
        return "\(total.buffers) dma-buf\(total.buffers == 1 ? "" : "s"), \(ByteCount.format(total.bytes)), held by \(holders) process\(holders == 1 ? "" : "es")"
            + (pid.map { " (those process \($0) holds)" } ?? "")
    }

    var processText: String {
        var table = TextTable(["pid", "command", "user", "buffers", "owned", "shared", "proportional"])
        for row in processes {
            table.append(["\(row.process.pid)", row.process.command, row.process.userText, "\(row.buffers)",
                          ByteCount.format(row.owned), ByteCount.format(row.shared), ByteCount.format(row.proportional)])
        }
        let owned = processes.reduce(0) { $0 + $1.owned }
        let proportional = processes.reduce(0) { $0 + $1.proportional }
        let sharedBytes = buffers.filter { $0.holders.count > 1 }.reduce(0) { $0 + $1.buffer.size }
        table.append(["total", "", "", "\(total.buffers)", ByteCount.format(owned), ByteCount.format(sharedBytes), ByteCount.format(proportional)])
        return """
        \(headline)
        \(table.render())
        owned: buffers no other process holds; shared: buffers it holds with others, in full, so they \
        appear in each holder's row and once in the total; proportional: each buffer divided among its \
        holders (like PSS), so the column sums to the bytes held.
        """
    }

    var exporterText: String {
        var table = TextTable(["heap or exporter", "buffers", "bytes", "area"])
        for row in exporters {
            let area = account.snapshot.cmaAreas.first { $0.heap == row.key }.map {
                "CMA: \(ByteCount.format($0.total - $0.free)) of \(ByteCount.format($0.total)) in use"
            } ?? ""
            table.append([row.key, "\(row.buffers)", ByteCount.format(row.bytes), area])
        }
        table.append(["total", "\(total.buffers)", ByteCount.format(total.bytes), ""])
        var text = "By heap or exporter (a heap's buffers carry its name; drivers export as udmabuf, drm, videobuf2_…)\n" + table.render()
        if account.snapshot.cmaAreas.contains(where: { area in exporters.contains { $0.key == area.heap } }) {
            text += "\nCMA in use counts everything in the area: CMA allocations and the movable pages the kernel lends from it (/proc/meminfo CmaTotal − CmaFree)."
        }
        return text
    }

    var bufferText: String {
        var table = TextTable(["inode", "size", "exporter", "name", "holders"])
        for row in buffers {
            table.append(["\(row.buffer.inode)", ByteCount.format(row.buffer.size) + (row.buffer.sizeSource == .mappings ? " (≥, mapped)" : ""),
                          row.buffer.exporter ?? "(unknown)", row.buffer.name ?? "", holdersText(row)])
        }
        table.append(["total", ByteCount.format(total.bytes), "", "", "\(total.buffers) buffers"])
        return headline + "\n" + table.render()
    }

    var nameText: String {
        var table = TextTable(["buffer name", "buffers", "bytes"])
        for row in names { table.append([row.key, "\(row.buffers)", ByteCount.format(row.bytes)]) }
        table.append(["total", "\(total.buffers)", ByteCount.format(total.bytes)])
        return "By buffer name (set with DMA_BUF_SET_NAME)\n" + table.render()
    }

    /// `812:fd 5, 812:mapped, 907:fd 3, +1 other reference`.
    func holdersText(_ row: DMABufAccount.BufferTotals) -> String {
        var parts = row.holdings.sorted { ($0.pid, $0.via.order) < ($1.pid, $1.via.order) }.map { holding -> String in
            switch holding.via {
            case let .descriptor(fd): "\(holding.pid):fd \(fd)"
            case .mapping: "\(holding.pid):mapped"
            }
        }
        if let other = row.otherReferences, other > 0 { parts.append("+\(other) other reference\(other == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    /// What the totals could not include, and what the kernel's own listings add.
    public var notes: [String] {
        var notes: [String] = []
        let gaps = account.snapshot.gaps
        let refused = gaps.filter { $0.reason == .notPermitted }
        if !refused.isEmpty {
            let uids = Set(refused.compactMap(\.detail)).sorted().joined(separator: ", ")
            let who = "\(refused.count) process\(refused.count == 1 ? "" : "es")"
            notes.append(readerUID == 0
                ? "not read: \(who) (\(uids)) whose /proc/PID/fdinfo refused even root (another user namespace, or a security module): their dma-bufs are not in these totals."
                : "not read: \(who) of other users (\(uids)): their dma-bufs are not in these totals, and shares are divided among the processes read only; run as root to count every process.")
        }
        let maps = gaps.filter { $0.reason == .mapsNotPermitted }
        if !maps.isEmpty {
            notes.append("not read: /proc/<pid>/maps of \(maps.count) process\(maps.count == 1 ? "" : "es") (pids \(maps.compactMap(\.pid).map(String.init).joined(separator: ", "))): buffers they only map are not counted.")
        }
        let exited = gaps.filter { $0.reason == .exited }.count
        if exited > 0 { notes.append("skipped: \(exited) process\(exited == 1 ? "" : "es") exited while being read.") }
        let closed = gaps.filter { $0.reason == .closedDuringRead }.count
        if closed > 0 { notes.append("skipped: \(closed) fd\(closed == 1 ? "" : "s") closed while being read.") }
        for gap in gaps where gap.reason == .readFailed {
            notes.append("skipped: \(gap.path ?? "?"): \(gap.detail ?? "read failed"); its dma-bufs may be missing from these totals.")
        }
        for gap in gaps where gap.reason == .unexpectedText {
            notes.append("skipped: \(gap.path ?? "?"): unexpected text (\(gap.detail ?? "")); not what the kernel writes there.")
        }
        let unaccounted = buffers.filter { ($0.otherReferences ?? 0) > 0 }
        if !unaccounted.isEmpty {
            notes.append("\(unaccounted.count) buffer\(unaccounted.count == 1 ? " has" : "s have") references no fd or mapping read accounts for: an importing driver (DRM PRIME, a V4L2 DMABUF queue), an fd in flight in a Unix socket, or a process not read (see --by buffer).")
        }
        if let unheld = account.unheld, pid == nil {
            let source = account.snapshot.kernel.bufinfo.buffers != nil ? "bufinfo" : "sysfs"
            let listed = (account.snapshot.kernel.bufinfo.buffers ?? account.snapshot.kernel.sysfsBuffers.buffers)?.count ?? 0
            notes.append("kernel (\(source)): \(listed) dma-buf\(listed == 1 ? "" : "s") in all; \(unheld.buffers) of them (\(ByteCount.format(unheld.bytes))) held by no process read: kept by an importing driver after userspace closed them, or held by processes not read.")
        }
        for (label, listing) in [("bufinfo", account.snapshot.kernel.bufinfo), ("sysfs buffers", account.snapshot.kernel.sysfsBuffers)] {
            if case let .absent(reason) = listing { notes.append("cross-check \(label): \(reason)") }
        }
        return notes
    }
}

extension DMABufSnapshot.Holding.Via {
    /// fds before mappings, each in order.
    var order: UInt64 {
        switch self {
        case let .descriptor(fd): UInt64(fd)
        case let .mapping(start, _, _): (1 << 63) | (start >> 1)
        }
    }
}
