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

    /// Calls `body` with a snapshot now and then every `interval` (measured from one snapshot's
    /// start to the next, so the rhythm does not drift by the reading time), `count` times or
    /// until `body` returns false. The elapsed time is the snapshot's start since the first.
    public func watch(every interval: Duration, count: Int?, _ body: (DMABufAccount, Duration) -> Bool) {
        let clock = ContinuousClock()
        let start = clock.now
        var taken = 0
        while count.map({ taken < $0 }) ?? true {
            let due = start + interval * taken
            let wait = due - clock.now
            if wait > .zero { Syscalls.sleep(wait) }
            let began = clock.now
            taken += 1
            guard body(DMABufAccount(snapshot()), began - start) else { return }
        }
    }

    /// A maps file can be megabytes (a browser's); larger than this is refused, not cut.
    static let mapsLimit = 64 << 20

    public func snapshot() -> DMABufSnapshot {
        var snapshot = DMABufSnapshot(cmaAreas: cmaAreas)
        let users = passwd.flatMap { ProcFiles.read($0) }.map(ProcText.passwd) ?? [:]
        let ownPID = procRoot == "/proc" ? Syscalls.processID : -1
        var walk = Walk(users: users, ownPID: ownPID)
        guard case let .success(root) = ProcDirectory.open(procRoot) else {
            fillUnopened(&snapshot, walk: walk)
            return snapshot
        }
        let pids = ((try? root.numericNames(scratch: &walk.scratch).get()) ?? []).sorted()
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
                walk.mappedExtent.merge(partWalk.mappedExtent, uniquingKeysWith: Swift.max)
                walk.mappedNames.merge(partWalk.mappedNames) { first, _ in first }
            }
        }
        fillUnopened(&snapshot, walk: walk)
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
        /// For buffers seen only as mappings: how far they are mapped, and the path's name.
        var mappedExtent: [UInt64: UInt64] = [:]
        var mappedNames: [UInt64: String] = [:]
        /// Exporter names, one String each however many buffers carry them.
        var exporters: [String: String] = [:]
        var scratch = [UInt8](repeating: 0, count: 16384)

        init(users: [UInt32: String], ownPID: Int32) {
            self.users = users
            self.ownPID = ownPID
        }
    }

    private func read(_ pid: Int32, in root: ProcDirectory, into snapshot: inout DMABufSnapshot, walk: inout Walk) {
        let name = String(pid)
        let path = "\(procRoot)/\(pid)"
        guard case let .success(directory) = root.directory(name) else {
            snapshot.gaps.append(.init(.exited, pid: pid))
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
        case .failure:
            snapshot.gaps.append(.init(.exited, pid: pid))
            return
        }
        if readMappings(pid, path: path, in: directory, into: &snapshot, walk: &walk) { holds = true }
        if holds, let process = process(pid, path: path, in: directory, snapshot: &snapshot, walk: &walk) {
            snapshot.processes[pid] = process
        }
    }

    /// Every dma-buf fd of the process: `statx` of each `fd/N` names the open file's device
    /// and inode, and fdinfo is read only for a buffer not seen yet (or a device not yet
    /// classified). Returns whether the process holds one.
    private func readDescriptors(_ pid: Int32, path: String, _ fdDirectory: ProcDirectory, in directory: ProcDirectory,
                                 into snapshot: inout DMABufSnapshot, walk: inout Walk) -> Bool {
        let fds: [Int32]
        switch fdDirectory.numericNames(scratch: &walk.scratch) {
        case let .success(names): fds = names.sorted()
        case .failure:
            snapshot.gaps.append(.init(.exited, pid: pid))
            return false
        }
        snapshot.descriptorsRead += fds.count
        var fdinfo: ProcDirectory?
        var holds = false
        for fd in fds {
            guard case let .success(identity) = fdDirectory.identity(fd) else {
                // The walk's own listing shows the directory fd the listing itself used.
                if pid != walk.ownPID { snapshot.gaps.append(.init(.closedDuringRead, pid: pid, path: "\(path)/fd/\(fd)")) }
                continue
            }
            let known = walk.deviceIsDMABuf[identity.device]
            if known == false { continue }
            if known == true, snapshot.buffers[identity.inode] != nil {
                snapshot.holdings.append(.init(pid: pid, inode: identity.inode, via: .descriptor(fd)))
                holds = true
                continue
            }
            if fdinfo == nil, case let .success(opened) = directory.directory("fdinfo") { fdinfo = opened }
            let infoPath = { "\(path)/fdinfo/\(fd)" }
            guard let fdinfoDirectory = fdinfo, case let .success(length) = fdinfoDirectory.read(fd, into: &walk.scratch, limit: 1 << 16, whole: true) else {
                if pid != walk.ownPID { snapshot.gaps.append(.init(.closedDuringRead, pid: pid, path: infoPath())) }
                continue
            }
            switch ProcText.fdinfo(Array(walk.scratch[0..<length])) {
            case .other:
                // A file on the dma-buf device that is not one means the fd was reused.
                if known == nil { walk.deviceIsDMABuf[identity.device] = false }
            case let .unexpected(detail):
                snapshot.gaps.append(.init(.unexpectedText, pid: pid, path: infoPath(), detail: detail))
            case let .dmaBuf(info):
                // fdinfo's ino (5.14 and later) must be the inode statx saw, else the fd was
                // closed and reused between the two.
                if let inode = info.inode, inode != identity.inode {
                    snapshot.gaps.append(.init(.closedDuringRead, pid: pid, path: infoPath()))
                    continue
                }
                walk.deviceIsDMABuf[identity.device] = true
                let exporter = walk.exporters[info.exporter] ?? info.exporter
                walk.exporters[exporter] = exporter
                snapshot.buffers[identity.inode] = DMABufSnapshot.Buffer(inode: identity.inode, size: info.size, exporter: exporter,
                                                                         name: info.name, fileReferences: info.count)
                snapshot.holdings.append(.init(pid: pid, inode: identity.inode, via: .descriptor(fd)))
                holds = true
            }
        }
        return holds
    }

    /// The process's dma-buf mappings (`/proc/PID/maps`), which outlive their fds.
    private func readMappings(_ pid: Int32, path: String, in directory: ProcDirectory,
                              into snapshot: inout DMABufSnapshot, walk: inout Walk) -> Bool {
        let mapsPath = path + "/maps"
        switch directory.read("maps", into: &walk.scratch, limit: Self.mapsLimit) {
        case let .success(length):
            let (mappings, unexpected) = ProcText.dmaBufMappings(Array(walk.scratch[0..<length]))
            for line in unexpected {
                snapshot.gaps.append(.init(.unexpectedText, pid: pid, path: mapsPath, detail: line))
            }
            for mapping in mappings {
                snapshot.holdings.append(.init(pid: pid, inode: mapping.inode,
                                               via: .mapping(start: mapping.start, end: mapping.end, offset: mapping.offset)))
                let extent = mapping.offset &+ (mapping.end - mapping.start)
                walk.mappedExtent[mapping.inode] = max(walk.mappedExtent[mapping.inode] ?? 0, extent)
                if let name = mapping.name { walk.mappedNames[mapping.inode] = name }
            }
            return !mappings.isEmpty
        case .failure(.fileTooLarge):
            snapshot.gaps.append(.init(.unexpectedText, pid: pid, path: mapsPath, detail: "larger than \(ByteCount.format(Self.mapsLimit))"))
        case .failure(.permissionDenied), .failure(.notPermitted):
            snapshot.gaps.append(.init(.mapsNotPermitted, pid: pid))
        case .failure:
            break  // exited after its fds were read: what was read stands
        }
        return false
    }

    /// Command and uid from `status`, read only for processes that matter (holders, and
    /// those that refused to be read).
    private func process(_ pid: Int32, path: String, in directory: ProcDirectory, snapshot: inout DMABufSnapshot,
                         walk: inout Walk) -> DMABufSnapshot.Process? {
        guard case let .success(length) = directory.read("status", into: &walk.scratch, limit: 1 << 16, whole: true) else { return nil }
        guard let status = ProcText.status(Array(walk.scratch[0..<length])) else {
            snapshot.gaps.append(.init(.unexpectedText, pid: pid, path: path + "/status", detail: "no Name: and Uid: lines"))
            return nil
        }
        return DMABufSnapshot.Process(pid: pid, command: status.command, uid: status.uid, user: walk.users[status.uid])
    }

    /// Buffers seen only as mappings (every fd closed) get their size and exporter from the
    /// kernel's listings when readable, else the mapped extent as a lower bound; and the
    /// kernel listings themselves are recorded for the cross-check.
    private func fillUnopened(_ snapshot: inout DMABufSnapshot, walk: Walk) {
        let mappedSizes = walk.mappedExtent, mappedNames = walk.mappedNames
        var bufinfo: [UInt64: (size: Int, exporter: String, name: String?)] = [:]
        if let sysRoot {
            let path = sysRoot + "/kernel/debug/dma_buf/bufinfo"
            switch FileContents.bytes(path, limit: 64 << 20) {
            case let .success(bytes):
                if let parsed = ProcText.bufinfo(bytes) {
                    bufinfo = parsed
                    snapshot.kernel.bufinfo = .present(path: path, buffers: parsed.mapValues(\.size))
                } else {
                    snapshot.kernel.bufinfo = .absent("\(path) is not in the format of dma_buf_debug_show")
                }
            case .failure(.noSuchFileOrDirectory):
                snapshot.kernel.bufinfo = .absent("\(path) absent (debugfs not mounted, or CONFIG_DEBUG_FS off)")
            case .failure(.permissionDenied), .failure(.notPermitted):
                snapshot.kernel.bufinfo = .absent("\(path) is readable by root only")
            case let .failure(errno):
                snapshot.kernel.bufinfo = .absent("\(path): \(errno)")
            }
            snapshot.kernel.sysfsBuffers = sysfsListing(sysRoot + "/kernel/dmabuf/buffers")
        } else {
            snapshot.kernel.bufinfo = .absent("not read (no sysfs root given)")
            snapshot.kernel.sysfsBuffers = .absent("not read (no sysfs root given)")
        }
        for (inode, extent) in mappedSizes where snapshot.buffers[inode] == nil {
            let name = mappedNames[inode]
            if let sysRoot, let size = ProcFiles.integer("\(sysRoot)/kernel/dmabuf/buffers/\(inode)/size") {
                let exporter = ProcFiles.read("\(sysRoot)/kernel/dmabuf/buffers/\(inode)/exporter_name")?.trimmingNewline
                snapshot.buffers[inode] = .init(inode: inode, size: size, sizeSource: .sysfs, exporter: exporter, name: name)
            } else if let listed = bufinfo[inode] {
                snapshot.buffers[inode] = .init(inode: inode, size: listed.size, sizeSource: .bufinfo, exporter: listed.exporter, name: listed.name)
            } else {
                snapshot.buffers[inode] = .init(inode: inode, size: Int(clamping: extent), sizeSource: .mappings, exporter: nil, name: name)
            }
        }
    }

    private func sysfsListing(_ path: String) -> DMABufSnapshot.KernelSources.Listing {
        switch Syscalls.listDirectory(path) {
        case let .success(names):
            var buffers: [UInt64: Int] = [:]
            for name in names {
                guard let inode = UInt64(name) else { continue }
                // A buffer freed between the listing and the read is simply not there.
                if let size = ProcFiles.integer("\(path)/\(name)/size") { buffers[inode] = size }
            }
            return .present(path: path, buffers: buffers)
        case .failure(.noSuchFileOrDirectory):
            return .absent("\(path) absent (CONFIG_DMABUF_SYSFS_STATS off, or a kernel before 5.13)")
        case let .failure(errno):
            return .absent("\(path): \(errno)")
        }
    }

    /// The CMA area behind the CMA heap, when there is exactly one (`/proc/meminfo` counts all
    /// areas together, so with several it cannot say which is which).
    public static func cmaAreas(of heaps: [DiscoveredHeap]) -> [DMABufSnapshot.CMAArea] {
        let cma = heaps.filter { $0.heap.kind == .cma }
        guard cma.count == 1, let heap = cma.first, let total = heap.heap.capacity, let free = heap.heap.free else { return [] }
        return [.init(heap: heap.heap.name, total: total, free: free)]
    }

    /// The uid this process reads `/proc` as.
    public static var readerUID: UInt32 { Syscalls.effectiveUserID }
}

extension String {
    var trimmingNewline: String {
        var copy = self
        while copy.last == "\n" { copy.removeLast() }
        return copy
    }
}
