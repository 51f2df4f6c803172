import HeapwiseCore
import SystemPackage

/// After the walk: the mappings on the dma-buf device, and the kernel's own listings (debugfs
/// `bufinfo`, `/sys/kernel/dmabuf/buffers`) as cross-checks and as the source of sizes for
/// buffers seen only as mappings.
extension DMABufAccounting {
    /// After the walk: the kernel's listings, then the mappings that are on the dma-buf
    /// device, then the sizes of buffers seen only as mappings.
    func finish(_ snapshot: inout DMABufSnapshot, walk: Walk) {
        let bufinfo = readKernelListings(&snapshot)
        let mappedOnly = addMappings(&snapshot, walk: walk)
        fillUnopened(&snapshot, mappedOnly, bufinfo: bufinfo)
    }

    /// A maps line's device must be the one the fds showed to be the `dmabuf` file system (a
    /// tmpfs is major 0 as well, and a file there may be called `/dmabuf:x`). With no dma-buf
    /// fd anywhere to learn it from, the kernel's listings decide; with neither, every
    /// `/dmabuf:` mapping on an anonymous device (major 0, as the `dmabuf` mount's) counts. A process whose only "mappings" were such files is dropped.
    /// Returns the buffers no fd showed: how far they are mapped, and the name in the path.
    func addMappings(_ snapshot: inout DMABufSnapshot, walk: Walk) -> [UInt64: (extent: UInt64, name: String?)] {
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
    func readKernelListings(_ snapshot: inout DMABufSnapshot) -> [UInt64: (size: Int, exporter: String, name: String?)] {
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
    func fillUnopened(_ snapshot: inout DMABufSnapshot, _ mappedOnly: [UInt64: (extent: UInt64, name: String?)],
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

    func sysfsListing(_ path: String) -> DMABufSnapshot.KernelSources.Listing {
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
}
