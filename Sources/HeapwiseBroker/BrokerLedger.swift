import HeapwiseCore
import HeapwiseLinux

/// Every buffer the broker has handed out and keeps a lease on, by inode, and whether any
/// process still holds it. Quotas count what a user's buffers are still held by, read from
/// the kernel (`/proc`), never what a client says: closing an fd frees quota without telling
/// the broker, and reconnecting does not reset it.
///
/// A buffer is still held while the kernel counts more references to its file than the
/// broker's own fd and mapping (fdinfo `count:`, which already leaves out procfs's own): an
/// fd or mapping in any process of any user, an fd in flight in a socket, or a driver that
/// imported it. So passing a buffer to another process, even another user's, keeps it
/// counted against the user it was allocated for.
final class BrokerLedger {
    struct Entry {
        let lease: PooledBuffer
        let uid: UInt32
        let connection: UInt64
        /// Still in a reply that has not been sent (the client is not reading): no process
        /// holds it yet, but it is not free.
        var undelivered: Bool
    }

    private(set) var entries: [UInt64: Entry] = [:]
    /// Upper bounds between reclaims: what each uid was handed and has not been reclaimed.
    private(set) var handed: [UInt32: (buffers: Int, bytes: Int)] = [:]
    let reader: DMABufAccounting
    let ownPID: ProcessID

    init(reader: DMABufAccounting, ownPID: ProcessID) {
        self.reader = reader
        self.ownPID = ownPID
    }

    func add(_ lease: PooledBuffer, uid: UInt32, connection: UInt64, undelivered: Bool) {
        entries[lease.inode] = Entry(lease: lease, uid: uid, connection: connection, undelivered: undelivered)
        handed[uid, default: (0, 0)].buffers += 1
        handed[uid, default: (0, 0)].bytes += lease.size
    }

    func delivered(_ inodes: [UInt64]) {
        for inode in inodes { entries[inode]?.undelivered = false }
    }

    /// A reply that was never sent (its connection closed first): its buffers are held by
    /// no one and the next reclaim frees them.
    func undeliverable(_ inodes: [UInt64]) { delivered(inodes) }

    func holdings(of uid: UInt32) -> (buffers: Int, bytes: Int) { handed[uid] ?? (0, 0) }

    /// Reads `/proc` once and gives back to the pool every delivered buffer no one but the
    /// broker holds (all of them, or only `inodes`). Returns the inodes still held among those
    /// considered, with their reference counts beyond the broker's.
    @discardableResult
    func reclaim(only inodes: Set<UInt64>? = nil) -> [UInt64: Int] {
        guard !entries.isEmpty else { return [:] }
        let snapshot = reader.snapshot()
        var own: [UInt64: Int] = [:]
        var others: [UInt64: Int] = [:]
        for holding in snapshot.holdings {
            if holding.pid == ownPID { own[holding.inode, default: 0] += 1 } else { others[holding.inode, default: 0] += 1 }
        }
        var stillHeld: [UInt64: Int] = [:]
        for (inode, entry) in entries where inodes?.contains(inode) ?? true {
            guard !entry.undelivered else { stillHeld[inode] = 1; continue }
            // Not seen at all (an fd of the broker's that /proc did not show): kept, to be safe.
            guard let references = snapshot.buffers[inode]?.fileReferences else { stillHeld[inode] = 1; continue }
            let extra = max(others[inode] ?? 0, references - (own[inode] ?? 0))
            if extra > 0 {
                stillHeld[inode] = extra
            } else {
                remove(inode)
            }
        }
        return stillHeld
    }

    /// Gives the buffer back to the pool (zeroed before another connection gets it).
    private func remove(_ inode: UInt64) {
        guard let entry = entries.removeValue(forKey: inode) else { return }
        if var counts = handed[entry.uid] {
            counts.buffers -= 1
            counts.bytes -= entry.lease.size
            handed[entry.uid] = counts.buffers > 0 ? counts : nil
        }
        entry.lease.release()
    }

    /// Per uid, what is held (after a reclaim, exact as of that read).
    var holders: [UInt32: (buffers: Int, bytes: Int)] { handed }
}
