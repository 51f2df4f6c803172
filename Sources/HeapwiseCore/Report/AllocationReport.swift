/// What `heapwise plan --allocate` allocated, as plain values, and its printed forms.
/// `PlanAllocation` (HeapwiseLinux) fills it from the live buffers.
public struct AllocationReport: Hashable, Sendable {
    /// One allocated buffer.
    public struct Row: Hashable, Sendable {
        public var image: Int
        public var buffer: Int
        public var heap: String
        /// The descriptor's number in this process, as `ls -l /proc/PID/fd` would show it:
        /// for people matching buffers to fdinfo, not a handle (the buffers own their descriptors).
        public var fd: Int32
        public var inode: UInt64
        public var size: Int
        public var name: String?
        public var exporter: String?
        public var verified: Bool

        public init(image: Int, buffer: Int, heap: String, fd: Int32, inode: UInt64, size: Int,
                    name: String?, exporter: String?, verified: Bool) {
            self.image = image
            self.buffer = buffer
            self.heap = heap
            self.fd = fd
            self.inode = inode
            self.size = size
            self.name = name
            self.exporter = exporter
            self.verified = verified
        }
    }

    /// A heap of the plan that failed before the one used.
    public struct Fallback: Hashable, Sendable {
        public var heap: String
        /// Short: the errno, or the message when there is none.
        public var reason: String
        /// The whole error, for JSON.
        public var error: String

        public init(heap: String, reason: String, error: String) {
            self.heap = heap
            self.reason = reason
            self.error = error
        }
    }

    public var heap: String
    /// The buffers are CPU-only memfd (a machine without dma-buf heaps).
    public var cpuOnly: Bool
    /// The heap directory that was missing, for the CPU-only message.
    public var heapDirectory: String
    public var fallbacks: [Fallback]
    public var rows: [Row]

    public init(heap: String, cpuOnly: Bool, heapDirectory: String, fallbacks: [Fallback], rows: [Row]) {
        self.heap = heap
        self.cpuOnly = cpuOnly
        self.heapDirectory = heapDirectory
        self.fallbacks = fallbacks
        self.rows = rows
    }

    public var text: String {
        var lines: [String] = []
        if cpuOnly {
            lines.append("Allocated \(rows.count) CPU-only memfd buffers: this machine has no \(heapDirectory), "
                + "so these are NOT dma-bufs and no device can import them.")
        } else {
            lines.append("Allocated \(rows.count) dma-buf\(rows.count == 1 ? "" : "s") from heap '\(heap)':")
        }
        for failure in fallbacks {
            lines.append("  fallback: heap '\(failure.heap)' failed (\(failure.reason)), used the next heap of the plan")
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

    public var json: JSON {
        .object([
            ("heap", .string(heap)),
            ("cpu_only", .bool(cpuOnly)),
            ("fallbacks", .array(fallbacks.map { .object([("heap", .string($0.heap)), ("error", .string($0.error))]) })),
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
