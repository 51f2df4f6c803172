/// The kernel's text formats that dma-buf accounting reads, parsed from bytes (the reader in
/// HeapwiseLinux hands them over; these parsers face text other processes influence, so they
/// are fuzzed by heapwise-fuzz). Each returns nil or `.unexpected` rather than guessing.
public enum ProcText {
    /// A dma-buf's `/proc/<pid>/fdinfo/<fd>`: `seq_show` in `fs/proc/fd.c` writes `pos:`,
    /// `flags:`, `mnt_id:`, `ino:` (5.14 and later), lock lines, then `dma_buf_show_fdinfo`
    /// (`drivers/dma-buf/dma-buf.c`) writes `size:`, `count:` (without procfs's own
    /// reference), `exp_name:` and, when set, `name:`.
    public struct FDInfo: Hashable, Sendable {
        public var inode: UInt64?
        public var size: Int
        public var count: Int?
        public var exporter: String
        public var name: String?
    }

    public enum FDInfoResult: Hashable, Sendable {
        case dmaBuf(FDInfo)
        /// Some other kind of file (no `exp_name:`), with its `ino:` when the kernel wrote one:
        /// the reader classifies the file's device only when that inode is the one it saw.
        case other(inode: UInt64?)
        /// `exp_name:` without a number in `size:`, and the like: what was wrong.
        case unexpected(String)
    }

    /// The name comes last and is everything after `name:\t` but the final newline: a name
    /// set with `DMA_BUF_SET_NAME` is any 31 bytes, newlines included, so it cannot add a line
    /// of its own (a name `x\nsize:\t1` stays a name). Every other field counts at its first
    /// appearance only.
    public static func fdinfo(_ bytes: [UInt8]) -> FDInfoResult {
        var inode: UInt64?, size: Int?, count: Int?
        var exporter: String?, name: String?
        var sawInode = false, sawSize = false, sawCount = false
        var badField: String?
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            defer { start = end + 1 }
            guard let colon = bytes[start..<end].firstIndex(of: 0x3A) else { continue }
            var valueStart = colon + 1
            while valueStart < end, bytes[valueStart] == 0x09 || bytes[valueStart] == 0x20 { valueStart += 1 }
            let key = bytes[start..<colon]
            let value = bytes[valueStart..<end]
            if exporter != nil, key.elementsEqual("name".utf8) {
                var last = bytes.count
                if last > valueStart, bytes[last - 1] == 0x0A { last -= 1 }
                name = String(decoding: bytes[valueStart..<last], as: UTF8.self)
                break
            }
            switch key.count {
            case 3 where !sawInode && key.elementsEqual("ino".utf8):
                sawInode = true
                inode = decimal(value, as: UInt64.self)
                if inode == nil { badField = "ino: is not a number" }
            case 4 where !sawSize && key.elementsEqual("size".utf8):
                sawSize = true
                size = decimal(value, as: Int.self).flatMap { $0 <= maximumBufferSize ? $0 : nil }
                if size == nil { badField = "size: '\(String(decoding: value.prefix(40), as: UTF8.self))'" }
            case 5 where !sawCount && key.elementsEqual("count".utf8):
                sawCount = true
                count = decimal(value, as: Int.self)
                if count == nil { badField = "count: '\(String(decoding: value.prefix(40), as: UTF8.self))' is not a number" }
            case 8 where exporter == nil && key.elementsEqual("exp_name".utf8):
                exporter = String(decoding: value, as: UTF8.self)
            default:
                break
            }
        }
        guard let exporter else { return .other(inode: inode) }
        if let badField { return .unexpected("exp_name: \(exporter), but \(badField)") }
        guard let size else { return .unexpected("exp_name: \(exporter), but size: missing") }
        return .dmaBuf(FDInfo(inode: inode, size: size, count: count, exporter: exporter, name: name))
    }

    /// A non-negative decimal that fits `T`, or nil (empty, a sign, any other byte, overflow).
    /// `ino:` is an unsigned long, so inodes parse as UInt64; sizes and counts as Int.
    static func decimal<T: FixedWidthInteger>(_ digits: ArraySlice<UInt8>, as _: T.Type) -> T? {
        guard !digits.isEmpty else { return nil }
        var value: T = 0
        for byte in digits {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(T(byte - 0x30))
            if overflowA || overflowB { return nil }
            value = sum
        }
        return value
    }

    /// One dma-buf mapping of `/proc/<pid>/maps` (`show_map_vma` in `fs/proc/task_mmu.c`):
    /// `start-end perms offset major:minor inode path`, where a dma-buf's path is
    /// `/dmabuf:NAME` (`dmabuffs_dname`) on the kernel's internal, anonymous-device mount.
    public struct Mapping: Hashable, Sendable {
        public var start: UInt64
        public var end: UInt64
        public var offset: UInt64
        public var inode: UInt64
        /// `major << 32 | minor` (maps prints them in hex), as the reader's `statx` identities
        /// encode devices: the reader keeps only mappings on the device its fds showed to be
        /// the `dmabuf` file system (an anonymous device, major 0).
        public var device: UInt64
        public var name: String?
    }

    /// The dma-buf mappings in a maps file, and the lines that said `/dmabuf:` but were not
    /// in the kernel's format. The path alone proves nothing (a file in a tmpfs may be called
    /// `/dmabuf:x`), so each mapping carries its device for the reader to match against the
    /// `dmabuf` file system's.
    public static func dmaBufMappings(_ bytes: [UInt8]) -> (mappings: [Mapping], unexpected: [String]) {
        var mappings: [Mapping] = []
        var unexpected: [String] = []
        let marker = Array(" /dmabuf:".utf8)
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            defer { start = end + 1 }
            let line = bytes[start..<end]
            guard let at = firstIndex(of: marker, in: line) else { continue }
            let fields = line[line.startIndex..<at].split(separator: 0x20, omittingEmptySubsequences: true)
            let path = line[(at + 1)...]
            guard fields.count == 5,
                  let dash = fields[0].firstIndex(of: 0x2D),
                  let first = UInt64(String(decoding: fields[0][fields[0].startIndex..<dash], as: UTF8.self), radix: 16),
                  let last = UInt64(String(decoding: fields[0][(dash + 1)...], as: UTF8.self), radix: 16), last >= first,
                  let offset = UInt64(String(decoding: fields[2], as: UTF8.self), radix: 16),
                  let inode = UInt64(String(decoding: fields[4], as: UTF8.self)),
                  let colon = fields[3].firstIndex(of: 0x3A),
                  let major = UInt32(String(decoding: fields[3][fields[3].startIndex..<colon], as: UTF8.self), radix: 16),
                  let minor = UInt32(String(decoding: fields[3][(colon + 1)...], as: UTF8.self), radix: 16)
            else {
                unexpected.append(String(decoding: line.prefix(120), as: UTF8.self))
                continue
            }
            let name = String(decoding: path.dropFirst("/dmabuf:".utf8.count), as: UTF8.self)
            mappings.append(Mapping(start: first, end: last, offset: offset, inode: inode,
                                    device: UInt64(major) << 32 | UInt64(minor), name: name.isEmpty ? nil : name))
        }
        return (mappings, unexpected)
    }

    /// `Name:` and the real uid of `/proc/<pid>/status` (`proc_pid_status` in `fs/proc/array.c`).
    public static func status(_ bytes: [UInt8]) -> (command: String, uid: UInt32)? {
        var command: String?
        var uid: UInt32?
        for line in bytes.split(separator: 0x0A) {
            if command == nil, line.starts(with: "Name:".utf8) {
                command = String(decoding: line.dropFirst(5).drop { $0 == 0x09 || $0 == 0x20 }, as: UTF8.self)
            } else if uid == nil, line.starts(with: "Uid:".utf8) {
                let fields = line.dropFirst(4).split { $0 == 0x09 || $0 == 0x20 }
                uid = fields.first.flatMap { UInt32(String(decoding: $0, as: UTF8.self)) }
            }
            if command != nil, uid != nil { break }
        }
        guard let command, let uid else { return nil }
        return (command, uid)
    }

    /// `Tgid:` of `/proc/<pid>/status`: the process a thread belongs to (equal to the pid for
    /// a process's main thread). `/proc/<tid>` of a thread exists but is not listed.
    public static func threadGroup(_ bytes: [UInt8]) -> Int32? {
        for line in bytes.split(separator: 0x0A) where line.starts(with: "Tgid:".utf8) {
            return decimal(line.dropFirst(5).drop { $0 == 0x09 || $0 == 0x20 }, as: Int32.self)
        }
        return nil
    }

    /// Every buffer in `/sys/kernel/debug/dma_buf/bufinfo` (`dma_buf_debug_show`): after the
    /// `Dma-buf Objects:` header and its column line, each buffer is a record: one line
    /// `size flags mode count exp_name ino name` (tab-separated), its fences, `\tAttached
    /// Devices:`, one line per attachment, `Total N devices attached` and a blank line. A buffer
    /// line is accepted only where a record starts, so a name with newlines (31 bytes at most)
    /// cannot forge one: it would need the 25-byte `Total N devices attached` line and a blank
    /// one before it. By inode, with the size.
    public static func bufinfo(_ bytes: [UInt8]) -> [UInt64: (size: Int, exporter: String, name: String?)]? {
        enum Place { case beforeHeader, columns, recordStart, inRecord }
        var buffers: [UInt64: (size: Int, exporter: String, name: String?)] = [:]
        var place = Place.beforeHeader
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            switch place {
            case .beforeHeader:
                if line.starts(with: "Dma-buf Objects:".utf8) { place = .columns }
            case .columns:
                place = .recordStart
            case .recordStart:
                if line.isEmpty { continue }
                let fields = line.split(separator: 0x09, maxSplits: 6, omittingEmptySubsequences: false)
                guard fields.count == 7, let size = decimal(fields[0], as: Int.self), size <= maximumBufferSize,
                      let inode = decimal(fields[5], as: UInt64.self) else {
                    // The closing `Total N objects, M bytes`, or a kernel that writes more.
                    continue
                }
                let name = String(decoding: fields[6], as: UTF8.self)
                buffers[inode] = (size, String(decoding: fields[4], as: UTF8.self), name == "<none>" ? nil : name)
                place = .inRecord
            case .inRecord:
                if line.starts(with: "Total ".utf8), line.reversed().starts(with: " devices attached".utf8.reversed()) {
                    place = .recordStart
                }
            }
        }
        return place == .beforeHeader ? nil : buffers
    }

    /// The largest buffer size a parser accepts (256 TiB): no machine holds a dma-buf that
    /// large, and with it no sum of sizes the kernel wrote can overflow an Int.
    public static let maximumBufferSize = 1 << 48

    /// User names by uid from `/etc/passwd` text (`name:password:uid:…`).
    public static func passwd(_ text: String) -> [UInt32: String] {
        var users: [UInt32: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count >= 3, let uid = UInt32(fields[2]), users[uid] == nil { users[uid] = String(fields[0]) }
        }
        return users
    }

    /// Group names by gid from `/etc/group` text (`name:password:gid:members`).
    public static func groups(_ text: String) -> [UInt32: String] { passwd(text) }

    private static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard haystack.count >= needle.count, let firstByte = needle.first else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == firstByte, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
