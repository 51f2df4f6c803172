/// `heapwise stats --json`: the whole snapshot (or one process's part of it), exact to the
/// byte. Shapes are documented in docs/json.md (`stats`).
extension DMABufStatsReport {
    public var json: JSON {
        .object([
            ("pid", pid.map { .int(Int($0)) } ?? .null),
            ("reader_uid", .int(Int(readerUID))),
            ("total", .object([("buffers", .int(total.buffers)), ("bytes", .int(total.bytes))])),
            ("processes", .array(processes.map(Self.json))),
            ("exporters", .array(exporters.map { row in
                .object([
                    ("exporter", .string(row.key)), ("buffers", .int(row.buffers)), ("bytes", .int(row.bytes)),
                    ("cma_area", account.snapshot.cmaAreas.first { $0.heap == row.key }.map {
                        .object([("total", .int($0.total)), ("free", .int($0.free))])
                    } ?? .null),
                ])
            })),
            ("names", .array(names.map { .object([("name", .string($0.key)), ("buffers", .int($0.buffers)), ("bytes", .int($0.bytes))]) })),
            ("buffers", .array(buffers.map(Self.json))),
            ("unheld", pid == nil ? account.unheld.map { .object([("buffers", .int($0.buffers)), ("bytes", .int($0.bytes))]) } ?? .null : .null),
            ("kernel", .object([
                ("bufinfo", Self.json(account.snapshot.kernel.bufinfo)),
                ("sysfs_buffers", Self.json(account.snapshot.kernel.sysfsBuffers)),
            ])),
            ("gaps", .array(account.snapshot.gaps.map(Self.json))),
            ("notes", .array(notes.map(JSON.string))),
        ])
    }

    static func json(_ row: DMABufAccount.ProcessTotals) -> JSON {
        .object([
            ("pid", .int(Int(row.process.pid))), ("command", .string(row.process.command)),
            ("uid", JSON(row.process.uid.map { Int($0) })), ("user", JSON(row.process.user)),
            ("buffers", .int(row.buffers)), ("owned", .int(row.owned)), ("shared", .int(row.shared)),
            ("proportional", .int(row.proportional)),
        ])
    }

    static func json(_ row: DMABufAccount.BufferTotals) -> JSON {
        .object([
            ("inode", .int(Int(clamping: row.buffer.inode))), ("size", .int(row.buffer.size)),
            ("size_source", .string(row.buffer.sizeSource.rawValue)),
            ("exporter", JSON(row.buffer.exporter)), ("name", JSON(row.buffer.name)),
            ("file_references", JSON(row.buffer.fileReferences)), ("other_references", JSON(row.otherReferences)),
            ("holders", .array(row.holdings.sorted { ($0.pid, $0.via.order) < ($1.pid, $1.via.order) }.map(json))),
        ])
    }

    static func json(_ holding: DMABufSnapshot.Holding) -> JSON {
        switch holding.via {
        case let .descriptor(fd):
            .object([("pid", .int(Int(holding.pid))), ("fd", .int(Int(fd))), ("mapping", .null)])
        case let .mapping(start, end, offset):
            .object([("pid", .int(Int(holding.pid))), ("fd", .null), ("mapping", .object([
                ("start", .int(Int(clamping: start))), ("end", .int(Int(clamping: end))), ("offset", .int(Int(clamping: offset))),
            ]))])
        }
    }

    static func json(_ listing: DMABufSnapshot.KernelSources.Listing) -> JSON {
        switch listing {
        case let .present(path, buffers):
            .object([("present", .bool(true)), ("path", .string(path)), ("buffers", .int(buffers.count)),
                     ("bytes", .int(buffers.values.reduce(0, +))), ("reason", .null)])
        case let .absent(reason):
            .object([("present", .bool(false)), ("path", .null), ("buffers", .null), ("bytes", .null), ("reason", .string(reason))])
        }
    }

    static func json(_ gap: DMABufSnapshot.ReadGap) -> JSON {
        .object([("reason", .string(gap.reason.rawValue)), ("pid", gap.pid.map { .int(Int($0)) } ?? .null),
                 ("path", JSON(gap.path)), ("detail", JSON(gap.detail))])
    }
}
