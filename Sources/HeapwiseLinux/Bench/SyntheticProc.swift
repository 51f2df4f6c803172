import Glibc
import HeapwiseCore
import SystemPackage

/// A `/proc`-shaped tree of processes holding dma-bufs, for `heapwise bench stats` and the
/// accounting tests: `<root>/<pid>/status`, `fd/<fd>`, `fdinfo/<fd>` in the kernel's format
/// (with `ino:`, as since 5.14) and `maps` with ordinary lines and dma-buf mappings. A buffer
/// is a file in `<root>/buffers`, and each fd that holds it is a hard link to that file, so
/// `statx` of `fd/N` names the buffer's inode as a real `/proc/PID/fd/N` link does. Every
/// buffer is held by at least one fd; the rest pick buffers at random, so many are shared.
/// `otherFDs` adds fds that are not dma-bufs (links to `/dev/null`).
public struct SyntheticProc: Sendable {
    public let root: String
    public let processes: Int
    public let fdsPerProcess: Int
    public let otherFDs: Int
    public let buffers: Int
    /// Each buffer's inode, by buffer number.
    public let inodes: [UInt64]
    /// What a correct reader must find.
    public let expectedBytes: Int
    public let expectedHoldings: Int
    /// The buffers' device as `/proc/PID/maps` prints it (`MAJOR:MINOR` in hex): the reader
    /// counts a `/dmabuf:` mapping only on the device its fds' buffers are on.
    public let mapsDevice: String

    /// The first pid; pids are consecutive.
    static let firstPID = 1000

    /// Writes the tree under `root` (which must not exist); deterministic for a seed.
    public static func write(at root: String, processes: Int, fdsPerProcess: Int, buffers: Int,
                             mappingsPerProcess: Int = 2, otherFDs: Int = 0, seed: UInt64 = 0x5354_4154_5321) throws(LinuxError) -> SyntheticProc {
        precondition(processes > 0 && fdsPerProcess > 0 && buffers > 0 && buffers <= processes * fdsPerProcess)
        var random = SplitMix64(seed: seed)
        let exporters = ["system", "system", "system", "reserved", "udmabuf", "drm"]
        var sizes: [Int] = []
        sizes.reserveCapacity(buffers)
        for _ in 0..<buffers { sizes.append(4096 * (1 + Int(random.next() % 2048))) }
        try make(root)
        try make(root + "/buffers")
        let device: UInt64
        switch Syscalls.identity(AT_FDCWD, root + "/buffers") {
        case let .success(identity): device = identity.device
        case let .failure(errno): throw LinuxError.from(errno, node: root + "/buffers", operation: .stat, message: "cannot stat the directory")
        }
        let mapsDevice = hex(device >> 32, width: 2) + ":" + hex(device & 0xFFFF_FFFF, width: 2)
        // fdinfo's ino of a file that is not a dma-buf is that file's inode, as the kernel writes it.
        let nullInode = (try? Syscalls.identity(AT_FDCWD, "/dev/null").get().inode) ?? 0
        var inodes: [UInt64] = []
        inodes.reserveCapacity(buffers)
        for buffer in 0..<buffers {
            let path = "\(root)/buffers/\(buffer)"
            try file(path, "")
            switch Syscalls.inode(path) {
            case let .success(inode): inodes.append(inode)
            case let .failure(errno): throw LinuxError.from(errno, node: path, operation: .stat, message: "cannot stat the file")
            }
        }
        var holdings = 0
        for process in 0..<processes {
            let pid = firstPID + process
            let directory = "\(root)/\(pid)"
            try make(directory)
            try make(directory + "/fdinfo")
            try make(directory + "/fd")
            try file(directory + "/status", "Name:\tsynthetic-\(process % 37)\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t\(pid)\nPid:\t\(pid)\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n")
            var held: [Int] = []
            for fd in 0..<fdsPerProcess {
                let slot = process * fdsPerProcess + fd
                let buffer = slot < buffers ? slot : Int(random.next() % UInt64(buffers))
                held.append(buffer)
                let name = buffer % 3 == 0 ? "name:\tframe-\(buffer % 40)\n" : ""
                try link("\(root)/buffers/\(buffer)", "\(directory)/fd/\(fd + 3)")
                try file("\(directory)/fdinfo/\(fd + 3)", "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t\(inodes[buffer])\nsize:\t\(sizes[buffer])\ncount:\t2\nexp_name:\t\(exporters[buffer % exporters.count])\n\(name)")
                holdings += 1
            }
            for other in 0..<otherFDs {
                let fd = fdsPerProcess + 3 + other
                if case let .failure(errno) = Syscalls.symlink("/dev/null", "\(directory)/fd/\(fd)") {
                    throw LinuxError.from(errno, node: "\(directory)/fd/\(fd)", operation: .symlink, message: "cannot create the link")
                }
                try file("\(directory)/fdinfo/\(fd)", "pos:\t0\nflags:\t02100002\nmnt_id:\t20\nino:\t\(nullInode)\n")
            }
            var maps = ""
            for line in 0..<30 {
                let base = 0x7f00_0000_0000 + UInt64(line) << 20
                maps += "\(hex(base))-\(hex(base + 0x1000)) r-xp 00000000 08:01 \(123_456 + line)                    /usr/lib/x86_64-linux-gnu/libsynthetic\(line).so\n"
            }
            for mapping in 0..<min(mappingsPerProcess, held.count) {
                let buffer = held[mapping]
                let base = 0x7e00_0000_0000 + UInt64(mapping) << 24
                maps += "\(hex(base))-\(hex(base + UInt64(sizes[buffer]))) rw-s 00000000 \(mapsDevice) \(inodes[buffer])                     /dmabuf:\n"
                holdings += 1
            }
            try file(directory + "/maps", maps)
        }
        return SyntheticProc(root: root, processes: processes, fdsPerProcess: fdsPerProcess, otherFDs: otherFDs, buffers: buffers,
                             inodes: inodes, expectedBytes: sizes.reduce(0, +), expectedHoldings: holdings, mapsDevice: mapsDevice)
    }

    /// Removes the tree (what `write` made, nothing else).
    public func remove() {
        for process in 0..<processes {
            let directory = "\(root)/\(Self.firstPID + process)"
            for fd in 3..<(fdsPerProcess + otherFDs + 3) {
                _ = Syscalls.unlink("\(directory)/fdinfo/\(fd)")
                _ = Syscalls.unlink("\(directory)/fd/\(fd)")
            }
            _ = Syscalls.removeDirectory(directory + "/fdinfo")
            _ = Syscalls.removeDirectory(directory + "/fd")
            _ = Syscalls.unlink(directory + "/status")
            _ = Syscalls.unlink(directory + "/maps")
            _ = Syscalls.removeDirectory(directory)
        }
        for buffer in 0..<buffers { _ = Syscalls.unlink("\(root)/buffers/\(buffer)") }
        _ = Syscalls.removeDirectory(root + "/buffers")
        _ = Syscalls.removeDirectory(root)
    }

    private static func hex(_ value: UInt64, width: Int = 8) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func make(_ path: String) throws(LinuxError) {
        if case let .failure(errno) = Syscalls.makeDirectory(path, 0o755) {
            throw LinuxError.from(errno, node: path, operation: .makeDirectory, message: "cannot create the directory")
        }
    }

    static func link(_ existing: String, _ path: String) throws(LinuxError) {
        if case let .failure(errno) = Syscalls.link(existing, path) {
            throw LinuxError.from(errno, node: path, operation: .link, message: "cannot create the link")
        }
    }

    /// Writes `text` to a new file at `path`, or with `create: false` into an existing one (a
    /// procfs control file, which cannot be created or truncated).
    public static func file(_ path: String, _ text: String, create: Bool = true) throws(LinuxError) {
        let fd: Descriptor
        switch Syscalls.open(path, O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0o644) {
        case let .success(raw): fd = Descriptor(adopting: raw)
        case let .failure(errno): throw LinuxError.from(errno, node: path, operation: .open, message: "cannot create the file")
        }
        let raw = fd.rawValue
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                Syscalls.retryingInterrupts(true) { Syscalls.write(raw, UnsafeRawBufferPointer(rebasing: buffer[written...])) }
            }
            switch result {
            case let .success(count): written += count
            case let .failure(errno): throw LinuxError.from(errno, node: path, operation: .write, message: "cannot write the file")
            }
        }
    }
}
