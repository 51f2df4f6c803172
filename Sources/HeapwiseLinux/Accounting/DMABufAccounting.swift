import Glibc
import HeapwiseCore
import SystemPackage

/// Reads who holds which dma-buf from `/proc`: every process this user may read, its fds
/// (`/proc/<pid>/fdinfo/<fd>`) and its mappings (`/proc/<pid>/maps`, which keep a buffer alive
/// after its fd is closed). The kernel's own lists of buffers (debugfs `bufinfo`, the sysfs
/// statistics) are read as cross-checks, and say so when absent.
///
/// `/proc` changes while it is read: a process exits, an fd closes between the directory
/// listing and the read. Those are skipped and counted in the snapshot's gaps, never guessed
/// at; so is text that is not what the kernel writes.
public struct DMABufAccounting: Sendable {
    /// `/proc`, or a tree of the same shape (the benchmark's synthetic one, the tests' hostile ones).
    public var procRoot: String
    /// Where `kernel/debug/dma_buf/bufinfo` and `kernel/dmabuf/buffers` live; nil skips the cross-checks.
    public var sysRoot: String?
    /// The password database for user names; nil prints uids.
    public var passwd: String?
    /// CMA areas to show beside their heaps (see `cmaAreas(of:)`).
    public var cmaAreas: [DMABufSnapshot.CMAArea]
    /// How many threads walk `/proc` at once (each a contiguous run of pids); nil: one per
    /// processor, at most 16, and one for fewer than 128 processes. The snapshot is the same
    /// for any number.
    public var threads: Int?

    public init(procRoot: String = "/proc", sysRoot: String? = "/sys", passwd: String? = "/etc/passwd",
                cmaAreas: [DMABufSnapshot.CMAArea] = [], threads: Int? = nil) {
        self.threads = threads
        self.procRoot = procRoot
        self.sysRoot = sysRoot
        self.passwd = passwd
        self.cmaAreas = cmaAreas
    }

    /// A maps file can be megabytes (a browser's); larger than this is refused, not cut.
    static let mapsLimit = 64 << 20

    public func snapshot() -> DMABufSnapshot {
        var snapshot = DMABufSnapshot(cmaAreas: cmaAreas)
        let users = passwd.flatMap { ProcFiles.read($0) }.map(ProcText.passwd) ?? [:]
        let ownPID = procRoot == "/proc" ? Syscalls.processID : -1
        var walk = Walk(users: users, ownPID: ownPID)
        let root: ProcDirectory, pids: [Int32]
        switch ProcDirectory.open(procRoot).flatMap({ opened in opened.numericNames(scratch: &walk.scratch).map { (opened, $0) } }) {
        case let .success((opened, names)):
            (root, pids) = (opened, names.sorted())
        case let .failure(errno):
            // Never an empty table that looks like "no dma-bufs": the note says /proc was unreadable.
            snapshot.gaps.append(.init(.readFailed, path: procRoot, detail: "cannot list the processes (\(errno)); is /proc mounted?"))
            finish(&snapshot, walk: walk)
            return snapshot
        }
        snapshot.processesListed = pids.count
        let parts = Swift.max(1, Swift.min(threads ?? Syscalls.processorCount, pids.count / 64, 16))
        if parts == 1 {
            for pid in pids { read(pid, in: root, into: &snapshot, walk: &walk) }
        } else {
            // Contiguous runs of pids, so the parts join back in pid order.
            let chunk = (pids.count + parts - 1) / parts
            let results = Syscalls.concurrently(parts) { part -> (DMABufSnapshot, Walk) in
                var partial = DMABufSnapshot()
                var partWalk = Walk(users: users, ownPID: ownPID)
                for pid in pids[Swift.min(pids.count, part * chunk)..<Swift.min(pids.count, (part + 1) * chunk)] {
                    read(pid, in: root, into: &partial, walk: &partWalk)
                }
                return (partial, partWalk)
            }
            for (partial, partWalk) in results {
                snapshot.buffers.merge(partial.buffers) { first, _ in first }
                snapshot.processes.merge(partial.processes) { first, _ in first }
                snapshot.holdings += partial.holdings
                snapshot.gaps += partial.gaps
                snapshot.descriptorsRead += partial.descriptorsRead
                walk.mappings += partWalk.mappings
                walk.deviceIsDMABuf.merge(partWalk.deviceIsDMABuf) { first, second in first || second }
            }
        }
        finish(&snapshot, walk: walk)
        return snapshot
    }

    /// What the walk keeps between processes.
    struct Walk {
        var users: [UInt32: String]
        var ownPID: Int32
        /// Every dma-buf is a file of the kernel's one `dmabuf` pseudo file system, so once an
        /// fdinfo has said which device a file is on, every other file on that device is known
        /// to be (or not to be) a dma-buf from its `statx` alone.
        var deviceIsDMABuf: [UInt64: Bool] = [:]
        /// Every `/dmabuf:` line of every maps file, kept until the walk is done: only then is
        /// the dma-buf device known (from any part's fds), which a mapping must be on.
        var mappings: [(pid: Int32, mapping: ProcText.Mapping)] = []
        /// Exporter names, one String each however many buffers carry them.
        var exporters: [String: String] = [:]
        var scratch = [UInt8](repeating: 0, count: 16384)

        init(users: [UInt32: String], ownPID: Int32) {
            self.users = users
            self.ownPID = ownPID
        }
    }

    func read(_ pid: Int32, in root: ProcDirectory, into snapshot: inout DMABufSnapshot, walk: inout Walk) {
        let name = String(pid)
        let path = "\(procRoot)/\(pid)"
        let directory: ProcDirectory
        switch root.directory(name) {
        case let .success(opened): directory = opened
        case let .failure(errno):
            snapshot.gaps.append(Self.gap(errno, pid: pid, path: path, gone: .exited))
            return
        }
        var holds = false
        switch directory.directory("fd") {
        case let .success(fdDirectory):
            holds = readDescriptors(pid, path: path, fdDirectory, in: directory, into: &snapshot, walk: &walk)
        case .failure(.permissionDenied), .failure(.notPermitted):
            let owner = process(pid, path: path, in: directory, snapshot: &snapshot, walk: &walk)
            snapshot.gaps.append(.init(.notPermitted, pid: pid, detail: owner?.userText ?? "?"))
            return
        case let .failure(errno):
            snapshot.gaps.append(Self.gap(errno, pid: pid, path: path + "/fd", gone: .exited))
            return
        }
        if readMappings(pid, path: path, in: directory, into: &snapshot, walk: &walk) { holds = true }
        if holds, let process = process(pid, path: path, in: directory, snapshot: &snapshot, walk: &walk) {
            snapshot.processes[pid] = process
        }
    }
}
