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

    /// Calls `body` with a snapshot now and then every `interval` (on a fixed rhythm from the
    /// first snapshot's start, so it does not drift by the reading time; a tick that passed
    /// while a slow snapshot was read is skipped, not made up with snapshots back to back),
    /// `count` times or until `body` returns false. The elapsed time is the snapshot's start
    /// since the first.
    public func watch(every interval: Duration, count: Int?, _ body: (DMABufAccount, Duration) -> Bool) {
        precondition(interval > .zero, "watch needs an interval")
        let clock = ContinuousClock()
        let start = clock.now
        var taken = 0
        var tick = 0
        while count.map({ taken < $0 }) ?? true {
            var due = start + interval * tick
            if taken > 0 {
                let now = clock.now
                while due < now { tick += 1; due = start + interval * tick }
            }
            let wait = due - clock.now
            if wait > .zero { Syscalls.sleep(wait) }
            let began = clock.now
            taken += 1
            tick += 1
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

    private func read(_ pid: Int32, in root: ProcDirectory, into snapshot: inout DMABufSnapshot, walk: inout Walk) {
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

    /// Every dma-buf fd of the process: `statx` of each `fd/N` names the open file's device
    /// and inode, and fdinfo is read only for a buffer not seen yet (or a device not yet
    /// classified). Returns whether the process holds one.
    private func readDescriptors(_ pid: Int32, path: String, _ fdDirectory: ProcDirectory, in directory: ProcDirectory,
                                 into snapshot: inout DMABufSnapshot, walk: inout Walk) -> Bool {
        let fds: [Int32]
        switch fdDirectory.numericNames(scratch: &walk.scratch) {
        case let .success(names): fds = names.sorted()
        case let .failure(errno):
            snapshot.gaps.append(Self.gap(errno, pid: pid, path: path + "/fd", gone: .exited))
            return false
        }
        snapshot.descriptorsRead += fds.count
        var fdinfo: ProcDirectory?
        var holds = false
        for fd in fds {
            let identity: (device: UInt64, inode: UInt64)
            switch fdDirectory.identity(fd) {
            case let .success(found): identity = found
            case let .failure(errno):
                // The walk's own listing shows the directory fd the listing itself used.
                if pid != walk.ownPID { snapshot.gaps.append(Self.gap(errno, pid: pid, path: "\(path)/fd/\(fd)", gone: .closedDuringRead)) }
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
            let read = fdinfo.map { $0.read(fd, into: &walk.scratch, limit: 1 << 16, whole: true) } ?? .failure(.noSuchFileOrDirectory)
            let length: Int
            switch read {
            case let .success(count): length = count
            case let .failure(errno):
                if pid != walk.ownPID { snapshot.gaps.append(Self.gap(errno, pid: pid, path: infoPath(), gone: .closedDuringRead)) }
                continue
            }
            let parsed = ProcText.fdinfo(Array(walk.scratch[0..<length]))
            // The fd may have been closed and its number reused between the statx and the
            // read: fdinfo's ino (5.14 and later) must be the inode statx saw, and without it
            // a second statx must still see the same file.
            let sameFile: (UInt64?) -> Bool = { inode in
                if let inode { return inode == identity.inode }
                guard case let .success(again) = fdDirectory.identity(fd) else { return false }
                return again == identity
            }
            switch parsed {
            case let .other(inode):
                // Every file on the dma-buf device is a dma-buf, so one that is not was reused.
                guard known == nil, sameFile(inode) else {
                    snapshot.gaps.append(.init(.closedDuringRead, pid: pid, path: infoPath()))
                    continue
                }
                walk.deviceIsDMABuf[identity.device] = false
            case let .unexpected(detail):
                snapshot.gaps.append(.init(.unexpectedText, pid: pid, path: infoPath(), detail: detail))
            case let .dmaBuf(info):
                guard sameFile(info.inode) else {
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
            for mapping in mappings { walk.mappings.append((pid, mapping)) }
            return !mappings.isEmpty
        case .failure(.fileTooLarge):
            snapshot.gaps.append(.init(.unexpectedText, pid: pid, path: mapsPath, detail: "larger than \(ByteCount.format(Self.mapsLimit))"))
        case .failure(.permissionDenied), .failure(.notPermitted):
            snapshot.gaps.append(.init(.mapsNotPermitted, pid: pid))
        case .failure(.noSuchFileOrDirectory), .failure(.noSuchProcess):
            break  // exited after its fds were read: what was read stands
        case let .failure(errno):
            snapshot.gaps.append(Self.gap(errno, pid: pid, path: mapsPath, gone: .exited))
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

    /// After the walk: the kernel's listings, then the mappings that are on the dma-buf
    /// device, then the sizes of buffers seen only as mappings.
    private func finish(_ snapshot: inout DMABufSnapshot, walk: Walk) {
        let bufinfo = readKernelListings(&snapshot)
        let mappedOnly = addMappings(&snapshot, walk: walk)
        fillUnopened(&snapshot, mappedOnly, bufinfo: bufinfo)
    }

    /// A maps line's device must be the one the fds showed to be the `dmabuf` file system (a
    /// tmpfs is major 0 as well, and a file there may be called `/dmabuf:x`). With no dma-buf
    /// fd anywhere to learn it from, the kernel's listings decide; with neither, every
    /// `/dmabuf:` mapping on an anonymous device (major 0, as the `dmabuf` mount's) counts. A process whose only "mappings" were such files is dropped.
    /// Returns the buffers no fd showed: how far they are mapped, and the name in the path.
    private func addMappings(_ snapshot: inout DMABufSnapshot, walk: Walk) -> [UInt64: (extent: UInt64, name: String?)] {
        let devices = Set(walk.deviceIsDMABuf.filter(\.value).keys)
        let listed = snapshot.kernel.bufinfo.buffers ?? snapshot.kernel.sysfsBuffers.buffers
        var extents: [UInt64: (extent: UInt64, name: String?)] = [:]
        var dropped = Set<Int32>()
        for (pid, mapping) in walk.mappings {
            let isBuffer = !devices.isEmpty ? devices.contains(mapping.device)
                : listed.map { $0[mapping.inode] != nil } ?? (mapping.device >> 32 == 0)
            guard isBuffer else { dropped.insert(pid); continue }
            snapshot.holdings.append(.init(pid: pid, inode: mapping.inode,
                                           via: .mapping(start: mapping.start, end: mapping.end, offset: mapping.offset)))
            let extent = mapping.offset &+ (mapping.end - mapping.start)
            let seen = extents[mapping.inode]
            extents[mapping.inode] = (max(seen?.extent ?? 0, extent), mapping.name ?? seen?.name)
        }
        if !dropped.isEmpty {
            let holders = Set(snapshot.holdings.map(\.pid))
            for pid in dropped where !holders.contains(pid) { snapshot.processes[pid] = nil }
        }
        return extents.filter { snapshot.buffers[$0.key] == nil }
    }

    /// debugfs `bufinfo` and the sysfs statistics, recorded for the cross-check; returns
    /// bufinfo's exporters and names for buffers seen only as mappings.
    private func readKernelListings(_ snapshot: inout DMABufSnapshot) -> [UInt64: (size: Int, exporter: String, name: String?)] {
        guard let sysRoot else {
            snapshot.kernel.bufinfo = .absent("not read (no sysfs root given)")
            snapshot.kernel.sysfsBuffers = .absent("not read (no sysfs root given)")
            return [:]
        }
        var bufinfo: [UInt64: (size: Int, exporter: String, name: String?)] = [:]
        let path = sysRoot + "/kernel/debug/dma_buf/bufinfo"
        switch FileContents.bytes(path, limit: Self.bufinfoLimit) {
        case let .success(bytes) where bytes.count > Self.bufinfoLimit:
            // FileContents reads one byte past the limit so that a cut listing is not taken whole.
            snapshot.kernel.bufinfo = .absent("\(path) is larger than \(ByteCount.format(Self.bufinfoLimit)); not read")
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
        return bufinfo
    }

    /// bufinfo is a few hundred bytes a buffer; 64 MiB is some 200,000 buffers.
    static let bufinfoLimit = 64 << 20

    /// Buffers seen only as mappings (every fd closed) get their size and exporter from the
    /// kernel's listings when readable, else the mapped extent as a lower bound.
    private func fillUnopened(_ snapshot: inout DMABufSnapshot, _ mappedOnly: [UInt64: (extent: UInt64, name: String?)],
                              bufinfo: [UInt64: (size: Int, exporter: String, name: String?)]) {
        for (inode, seen) in mappedOnly {
            if let sysRoot, let size = ProcFiles.integer("\(sysRoot)/kernel/dmabuf/buffers/\(inode)/size"), size <= ProcText.maximumBufferSize {
                let exporter = ProcFiles.read("\(sysRoot)/kernel/dmabuf/buffers/\(inode)/exporter_name")?.trimmingNewline
                snapshot.buffers[inode] = .init(inode: inode, size: size, sizeSource: .sysfs, exporter: exporter, name: seen.name)
            } else if let listed = bufinfo[inode] {
                snapshot.buffers[inode] = .init(inode: inode, size: listed.size, sizeSource: .bufinfo, exporter: listed.exporter, name: listed.name)
            } else {
                snapshot.buffers[inode] = .init(inode: inode, size: min(Int(clamping: seen.extent), ProcText.maximumBufferSize),
                                                sizeSource: .mappings, exporter: nil, name: seen.name)
            }
        }
    }

    /// The gap an errno means: the file or process `gone` (ENOENT, ESRCH), refused (EACCES,
    /// EPERM: credentials changed mid-read, or another user's), or a failure of the reader's
    /// own (EMFILE, ENOMEM) named with its errno.
    static func gap(_ errno: Errno, pid: Int32, path: String, gone: DMABufSnapshot.ReadGap.Reason) -> DMABufSnapshot.ReadGap {
        switch errno {
        case .noSuchFileOrDirectory, .noSuchProcess: .init(gone, pid: pid, path: path)
        case .permissionDenied, .notPermitted: .init(.notPermitted, pid: pid, path: path, detail: "?")
        default: .init(.readFailed, pid: pid, path: path, detail: "\(errno)")
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
        // ION's CMA heap of the same area (`ion:reserved` beside `reserved`) is the same memory.
        let cma = heaps.filter { $0.heap.kind == .cma && !$0.heap.isION }
        guard cma.count == 1, let heap = cma.first, let total = heap.heap.capacity, let free = heap.heap.free else { return [] }
        return [.init(heap: heap.heap.name, total: total, free: free)]
    }

    /// What a pid given by a user names.
    public enum Target: Equatable, Sendable {
        case process
        /// A thread's id: dma-bufs are held by the process (the thread group), so a report
        /// for the thread alone would say "nothing".
        case thread(of: Int32)
        case none
    }

    /// Whether `pid` is a process of `procRoot`, a thread of one (`Tgid:` of its status), or
    /// nothing. A tree without `status` files (a saved one) takes the directory as a process.
    public func target(_ pid: Int32) -> Target {
        let directory = "\(procRoot)/\(pid)"
        guard UserFiles.isDirectory(directory) else { return .none }
        guard let bytes = ProcFiles.read(directory + "/status").map({ Array($0.utf8) }),
              let group = ProcText.threadGroup(bytes), group != pid else { return .process }
        return .thread(of: group)
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
