/// Who holds which dma-buf memory at one moment, as read from `/proc` (the reader is
/// `DMABufAccounting` in HeapwiseLinux). Pure data: totals, changes and the report are computed
/// from it here, so they are tested without a kernel.
///
/// One buffer is one inode of the kernel's `dmabuf` pseudo file system (`dma_buf_getfile` in
/// `drivers/dma-buf/dma-buf.c`): every fd and every mapping of the same buffer, in any
/// process, names the same inode, which is how a buffer shared between processes is counted
/// once.
public struct DMABufSnapshot: Hashable, Sendable {
    public var buffers: [UInt64: Buffer]
    public var processes: [Int32: Process]
    /// Every fd and every mapping of a dma-buf in every process read.
    public var holdings: [Holding]
    /// What could not be read, so a total is never a silent undercount.
    public var gaps: [ReadGap]
    /// What the kernel's own listings say, beside what `/proc` showed.
    public var kernel: KernelSources
    /// The CMA areas' use, for the CMA heaps' rows (`/proc/meminfo` `CmaTotal`, `CmaFree`).
    public var cmaAreas: [CMAArea]
    /// How many processes were listed, and how many of their fds were examined.
    public var processesListed = 0
    public var descriptorsRead = 0

    public init(buffers: [UInt64: Buffer] = [:], processes: [Int32: Process] = [:], holdings: [Holding] = [],
                gaps: [ReadGap] = [], kernel: KernelSources = KernelSources(), cmaAreas: [CMAArea] = []) {
        self.buffers = buffers
        self.processes = processes
        self.holdings = holdings
        self.gaps = gaps
        self.kernel = kernel
        self.cmaAreas = cmaAreas
    }

    /// One dma-buf, as its fdinfo (`dma_buf_show_fdinfo`) or, for a buffer only mapped, the
    /// per-buffer sysfs directory or the mapping itself describes it.
    public struct Buffer: Hashable, Sendable {
        public var inode: UInt64
        /// Bytes; from `size:` in fdinfo, exact. See `sizeSource`.
        public var size: Int
        public var sizeSource: SizeSource
        /// `exp_name`: the heap's name for a heap buffer (`system`, `reserved`), else the
        /// exporting driver (`udmabuf`, `drm`, `videobuf2_vmalloc`). Nil when only a mapping
        /// was seen and no kernel listing named it.
        public var exporter: String?
        /// Set with `DMA_BUF_SET_NAME`; nil when unnamed.
        public var name: String?
        /// fdinfo's `count:`: references to the buffer's file (each fd-table entry, each
        /// mapping, each importing driver), without the one the reading itself takes.
        public var fileReferences: Int?

        public init(inode: UInt64, size: Int, sizeSource: SizeSource = .fdinfo, exporter: String?, name: String?, fileReferences: Int? = nil) {
            self.inode = inode
            self.size = size
            self.sizeSource = sizeSource
            self.exporter = exporter
            self.name = name
            self.fileReferences = fileReferences
        }
    }

    public enum SizeSource: String, Hashable, Sendable {
        /// `size:` in `/proc/<pid>/fdinfo/<fd>`.
        case fdinfo
        /// `/sys/kernel/dmabuf/buffers/<inode>/size` (`CONFIG_DMABUF_SYSFS_STATS`), for a buffer
        /// whose every fd is closed but which is still mapped.
        case sysfs
        /// `/sys/kernel/debug/dma_buf/bufinfo` (root, debugfs), likewise.
        case bufinfo
        /// The mapped extent (offset + length of the furthest mapping), a lower bound: nothing
        /// else says how big a buffer is that is only mapped, without the sysfs statistics.
        case mappings
    }

    public struct Process: Hashable, Sendable {
        public var pid: Int32
        /// `Name:` of `/proc/<pid>/status` (the command, at most 15 bytes).
        public var command: String
        /// The real uid of `status`; nil when the process was gone before its `status` was read
        /// (its fds and mappings were read, so its holdings stand).
        public var uid: UInt32?
        /// The user's name from the password database, when it has one.
        public var user: String?

        public init(pid: Int32, command: String, uid: UInt32?, user: String? = nil) {
            self.pid = pid
            self.command = command
            self.uid = uid
            self.user = user
        }

        /// The user's name, or the uid when the password database has none.
        public var userText: String { user ?? uid.map(String.init) ?? "?" }
    }

    /// One process's hold on one buffer: an open fd, or a mapping (which outlives the fd).
    public struct Holding: Hashable, Sendable {
        public var pid: Int32
        public var inode: UInt64
        public var via: Via

        public init(pid: Int32, inode: UInt64, via: Via) {
            self.pid = pid
            self.inode = inode
            self.via = via
        }

        public enum Via: Hashable, Sendable {
            case descriptor(Int32)
            /// A `/proc/<pid>/maps` line: its address range and the offset into the buffer.
            case mapping(start: UInt64, end: UInt64, offset: UInt64)
        }
    }

    /// A part of `/proc` the reader could not use, and why.
    public struct ReadGap: Hashable, Sendable {
        public var reason: Reason
        public var pid: Int32?
        /// The file, for unexpected text.
        public var path: String?
        public var detail: String?

        public init(_ reason: Reason, pid: Int32? = nil, path: String? = nil, detail: String? = nil) {
            self.reason = reason
            self.pid = pid
            self.path = path
            self.detail = detail
        }

        public enum Reason: String, Hashable, Sendable, CaseIterable {
            /// `/proc/<pid>/fd` or one of its files refused (EACCES, EPERM): another user's
            /// process, when not root, or one that changed credentials while being read.
            case notPermitted = "not_permitted"
            /// The process was listed, then gone before its files were read.
            case exited
            /// An fd listed in `fdinfo` was closed before its file was read.
            case closedDuringRead = "closed_during_read"
            /// A file whose text is not what the kernel writes; skipped.
            case unexpectedText = "unexpected_text"
            /// `/proc/<pid>/maps` refused while its fds were readable.
            case mapsNotPermitted = "maps_not_permitted"
            /// A read failed for a reason of the reader's own (out of fds, out of memory) or
            /// one the kernel does not give for `/proc`; the detail names the path and errno.
            case readFailed = "read_failed"
        }
    }

    /// The kernel's own lists of every dma-buf, used as cross-checks only: the accounting
    /// comes from `/proc`, because only `/proc` says who holds a buffer.
    public struct KernelSources: Hashable, Sendable {
        /// `/sys/kernel/debug/dma_buf/bufinfo` (`dma_buf_debug_show`): root only, needs debugfs.
        public var bufinfo: Listing
        /// `/sys/kernel/dmabuf/buffers` (`CONFIG_DMABUF_SYSFS_STATS`, 5.13 and later, deprecated).
        public var sysfsBuffers: Listing

        public init(bufinfo: Listing = .absent("not read"), sysfsBuffers: Listing = .absent("not read")) {
            self.bufinfo = bufinfo
            self.sysfsBuffers = sysfsBuffers
        }

        public enum Listing: Hashable, Sendable {
            /// Every buffer the kernel has, by inode, with its size.
            case present(path: String, buffers: [UInt64: Int])
            /// Why not: the path and errno in words.
            case absent(String)

            public var buffers: [UInt64: Int]? {
                if case let .present(_, buffers) = self { return buffers }
                return nil
            }
        }
    }

    /// A CMA area's size and free bytes, named after the heap that allocates from it.
    public struct CMAArea: Hashable, Sendable {
        /// The CMA heap's name, which is its exporter name (`reserved`, `linux,cma`).
        public var heap: String
        public var total: Int
        public var free: Int

        public init(heap: String, total: Int, free: Int) {
            self.heap = heap
            self.total = total
            self.free = free
        }
    }
}
