import Heapwise
import HeapwiseCore
import HeapwiseLinux

/// `heapwise plan --allocate`'s self-checks, which prove the buffers real before listing them:
/// a pattern that differs per byte and per buffer, written in one CPU access and read back in
/// a second, so a buffer that aliases another or loses writes is caught; buffers from the
/// broker must also arrive zeroed. Test harnesses, so they live here, not in the library.
enum AllocationChecks {
    /// The listing of `allocation`, every buffer checked.
    static func report(_ allocation: Allocation) throws(LinuxError) -> AllocationReport {
        var rows: [AllocationReport.Row] = []
        let throughBroker = if case .broker = allocation.route { true } else { false }
        for buffer in allocation.buffers {
            let dmaBuf = buffer.dmaBuf
            // The broker zeroes a buffer before it changes hands, and a new connection never had one.
            var zeroed = true
            if throughBroker {
                zeroed = try LinuxError.duringCPUAccess(of: dmaBuf.origin) {
                    try dmaBuf.withCPUAccess(.read) { bytes in bytes.allSatisfy { $0 == 0 } }
                }
            }
            let seed = UInt8(truncatingIfNeeded: buffer.image &* 31 &+ buffer.index &* 7 &+ 1)
            let verified = try writeAndVerify(dmaBuf, seed: seed)
            let info = dmaBuf.isDMABuf ? try dmaBuf.info() : nil
            rows.append(AllocationReport.Row(
                image: buffer.image, buffer: buffer.index, heap: buffer.heap, fd: dmaBuf.withUnsafeDescriptor { $0 },
                inode: buffer.inode, size: dmaBuf.size, name: info?.name, exporter: info?.exporter, verified: zeroed && verified))
        }
        return AllocationReport(
            heap: allocation.heap, cpuOnly: allocation.route == .cpuOnly, heapDirectory: HeapDiscovery.heapDirectory,
            fallbacks: allocation.failedAttempts.map { .init(heap: $0.heap, reason: $0.reason, error: $0.error.description) },
            rows: rows)
    }

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

    /// `--reuse N`: the plan's images through a pool, released and re-acquired `rounds` times
    /// with the owner alternating between two pipelines, so every round hands each buffer to
    /// a new owner: it must arrive zeroed, and is then filled with that owner's bytes.
    static func reuse(_ pool: ImagePool, count: Int, rounds: Int) throws(HeapwiseFailure) -> ReuseReport {
        func acquireAll(_ owner: PoolOwner) throws(HeapwiseFailure) -> [ImagePool.Image] {
            var images: [ImagePool.Image] = []
            for _ in 0..<count { images.append(try pool.acquire(owner: owner)) }
            return images
        }
        func fill(_ lease: PooledBuffer, with byte: UInt8) throws(HeapwiseFailure) {
            do {
                _ = try LinuxError.duringCPUAccess(of: lease.key.node) {
                    try lease.withCPUAccess(.write) { bytes in bytes.initializeMemory(as: UInt8.self, repeating: byte) }
                }
            } catch { throw .kernel(error) }
        }
        func isZero(_ lease: PooledBuffer) throws(HeapwiseFailure) -> Bool {
            do {
                return try LinuxError.duringCPUAccess(of: lease.key.node) {
                    try lease.withCPUAccess(.read) { bytes in bytes.allSatisfy { $0 == 0 } }
                }
            } catch { throw .kernel(error) }
        }
        var images = try acquireAll(PoolOwner(1))
        for lease in images.flatMap(\.buffers) { try fill(lease, with: 0xFF) }  // the first owner's bytes
        var unzeroed = 0, total = 0
        for round in 1...max(rounds, 1) {
            for image in images { image.release() }
            images = try acquireAll(PoolOwner(UInt64(round % 2 + 1)))
            for (index, lease) in images.flatMap(\.buffers).enumerated() {
                total += 1
                if try !isZero(lease) { unzeroed += 1 }
                try fill(lease, with: UInt8(truncatingIfNeeded: round &* 31 &+ index &+ 1))
            }
        }
        for image in images { image.release() }
        return ReuseReport(heap: pool.heap, rounds: rounds, leases: total, unzeroedLeases: unzeroed, statistics: pool.statistics())
    }
}
