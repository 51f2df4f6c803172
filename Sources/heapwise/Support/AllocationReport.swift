import HeapwiseCore
import HeapwiseLinux

/// How `plan --allocate` prints what it allocated.
extension PlanAllocation {
    var text: String {
        var lines: [String] = []
        if cpuOnly {
            lines.append("Allocated \(rows.count) CPU-only memfd buffers: this machine has no \(HeapDiscovery.heapDirectory), "
                + "so these are NOT dma-bufs and no device can import them.")
        } else {
            lines.append("Allocated \(rows.count) dma-buf\(rows.count == 1 ? "" : "s") from heap '\(heap.name)':")
        }
        for failure in failedAttempts {
            lines.append("  fallback: heap '\(failure.heap)' failed (\(failure.error.errno.map { "\($0)" } ?? failure.error.message)), used the next heap of the plan")
        }
        var table = TextTable(["image", "buffer", "heap", "fd", "inode", "size", "exporter", "name", "pattern"])
        for row in rows {
            table.append([
                "\(row.image)", "\(row.buffer)", row.heap, "\(row.fd)", "\(row.inode)", "\(row.size)",
                row.exporter ?? "-", row.name ?? "-", row.verified ? "verified" : "MISMATCH",
            ])
        }
        lines.append(table.render(indent: "  "))
        return lines.joined(separator: "\n")
    }

    var json: JSON {
        .object([
            ("heap", .string(heap.name)),
            ("cpu_only", .bool(cpuOnly)),
            ("fallbacks", .array(failedAttempts.map { .object([("heap", .string($0.heap)), ("error", .string($0.error.description))]) })),
            ("buffers", .array(rows.map { row in
                .object([
                    ("image", .int(row.image)), ("buffer", .int(row.buffer)), ("heap", .string(row.heap)),
                    ("fd", .int(Int(row.fd))), ("inode", .int(Int(row.inode))), ("size", .int(row.size)),
                    ("exporter", JSON(row.exporter)), ("name", JSON(row.name)), ("verified", .bool(row.verified)),
                ])
            })),
        ])
    }
}
