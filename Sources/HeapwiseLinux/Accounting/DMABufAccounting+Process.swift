import Glibc
import HeapwiseCore
import SystemPackage

/// One process's part of the walk: its dma-buf fds, its mappings, its command and owner.
extension DMABufAccounting {
    /// Every dma-buf fd of the process: `statx` of each `fd/N` names the open file's device
    /// and inode, and fdinfo is read only for a buffer not seen yet (or a device not yet
    /// classified). Returns whether the process holds one.
    func readDescriptors(_ pid: Int32, path: String, _ fdDirectory: ProcDirectory, in directory: ProcDirectory,
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
    func readMappings(_ pid: Int32, path: String, in directory: ProcDirectory,
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
    func process(_ pid: Int32, path: String, in directory: ProcDirectory, snapshot: inout DMABufSnapshot,
                         walk: inout Walk) -> DMABufSnapshot.Process? {
        guard case let .success(length) = directory.read("status", into: &walk.scratch, limit: 1 << 16, whole: true) else { return nil }
        guard let status = ProcText.status(Array(walk.scratch[0..<length])) else {
            snapshot.gaps.append(.init(.unexpectedText, pid: pid, path: path + "/status", detail: "no Name: and Uid: lines"))
            return nil
        }
        return DMABufSnapshot.Process(pid: pid, command: status.command, uid: status.uid, user: walk.users[status.uid])
    }
}
