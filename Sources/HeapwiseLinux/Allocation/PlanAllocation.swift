import HeapwiseCore

/// What `heapwise plan --allocate` does with a chosen plan: allocate every buffer (falling
/// back along the plan's heaps, or to CPU-only memfd on a machine without heaps), write a
/// test pattern through `withCPUAccess`, read it back, and describe each buffer.
public struct PlanAllocation {
    public typealias Row = AllocationReport.Row

    public let rows: [Row]
    public let heap: Heap
    public let cpuOnly: Bool
    public let failedAttempts: [(heap: String, error: LinuxError)]
    /// The buffers themselves; they stay allocated while this value lives.
    public let buffers: AllocatedPlan

    /// What was allocated, as the plain values `heapwise plan --allocate` prints.
    public var report: AllocationReport {
        AllocationReport(
            heap: heap.name, cpuOnly: cpuOnly, heapDirectory: HeapDiscovery.heapDirectory,
            fallbacks: failedAttempts.map {
                .init(heap: $0.heap, reason: $0.error.errno.map { "\($0)" } ?? $0.error.message, error: $0.error.description)
            },
            rows: rows
        )
    }

    /// - Parameter live: whether the plan's catalog came from this machine's heaps. When it
    ///   did not (no `/dev/dma_heap` here), buffers come from memfd and are labelled CPU-only.
    public static func run(_ plan: Plan, count: Int, catalog: HeapCatalog, live: Bool, name: String = "heapwise") throws(LinuxError) -> PlanAllocation {
        let allocated: AllocatedPlan
        if live {
            allocated = try PlanAllocator().allocate(plan, count: count, catalog: catalog, name: name)
        } else {
            let memfd = PlanAllocator { _ throws(LinuxError) in Memfd() }
            allocated = try memfd.allocate(plan, count: count, catalog: catalog, name: name)
        }
        var rows: [Row] = []
        for (image, buffers) in allocated.images.enumerated() {
            for (index, buffer) in buffers.enumerated() {
                let seed = UInt8(truncatingIfNeeded: image &* 31 &+ index &* 7 &+ 1)
                let verified = try Self.writeAndVerify(buffer, seed: seed)
                let info = buffer.isDMABuf ? try buffer.info() : nil
                rows.append(Row(
                    image: image, buffer: index, heap: live ? allocated.heap.name : "memfd", fd: buffer.fd,
                    inode: try buffer.inode(), size: buffer.size, name: info?.name, exporter: info?.exporter,
                    verified: verified
                ))
            }
        }
        return PlanAllocation(
            rows: rows, heap: live ? allocated.heap : Memfd.description, cpuOnly: !live,
            failedAttempts: allocated.failedAttempts, buffers: allocated
        )
    }

    /// Writes a pattern that differs per byte and per buffer, then reads it back in a second
    /// access, so a buffer that aliases another or loses writes is caught.
    static func writeAndVerify(_ buffer: DMABuf, seed: UInt8) throws(LinuxError) -> Bool {
        func pattern(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 131) &+ seed }
        return try LinuxError.duringCPUAccess(of: buffer.origin) {
            try buffer.withCPUAccess(.write) { bytes in
                for i in 0..<bytes.count { bytes[i] = pattern(i) }
            }
            return try buffer.withCPUAccess(.read) { bytes in
                (0..<bytes.count).allSatisfy { bytes[$0] == pattern($0) }
            }
        }
    }
}

extension PlanAllocation {
    /// What `plan --allocate --broker` received, checked as a local allocation is, and more:
    /// each buffer must arrive zeroed (the broker zeroes a buffer before it changes hands, and
    /// a new connection never had one), then a pattern written must read back.
    public static func report(received buffers: [DMABuf], allocation: BrokerAllocation) throws(LinuxError) -> AllocationReport {
        var rows: [Row] = []
        for (index, buffer) in buffers.enumerated() {
            let described = allocation.buffers[index]
            let zeroed = try LinuxError.duringCPUAccess(of: buffer.origin) {
                try buffer.withCPUAccess(.read) { bytes in bytes.allSatisfy { $0 == 0 } }
            }
            let seed = UInt8(truncatingIfNeeded: described.image &* 31 &+ described.buffer &* 7 &+ 1)
            let verified = try writeAndVerify(buffer, seed: seed)
            let info = try buffer.info()
            rows.append(Row(image: described.image, buffer: described.buffer, heap: described.heap, fd: buffer.fd, inode: described.inode,
                            size: buffer.size, name: info.name, exporter: info.exporter, verified: zeroed && verified))
        }
        return AllocationReport(heap: allocation.heap, cpuOnly: false, heapDirectory: HeapDiscovery.heapDirectory, fallbacks: [], rows: rows)
    }
}
