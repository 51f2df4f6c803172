import CHeapwiseLinux
import Glibc
import SystemPackage

/// The one funnel every system call of Heapwise goes through (after swift-system's
/// `Internals/Syscalls.swift`): each function is exactly one call, named by a `KernelCall`,
/// returning `Result<_, Errno>`. errno is read in one place only (`system(_:…)` below), right
/// after the call; in debug builds `Mocking` can fail or stand in for any single call,
/// matched by name and, optionally, by its arguments.
///
/// Raw descriptors are this file's business: owners (`Descriptor`) lend theirs here and
/// nowhere else.
enum Syscalls {
    // MARK: Files

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Int32, Errno> {
        call(.open, [Int(flags)]) { Glibc.open(path, flags, mode) }
    }

    /// Never retried: after EINTR the descriptor is already gone on Linux, and retrying could
    /// close one another thread just opened (swift-nio explains the same choice).
    static func close(_ fd: Int32) -> Result<Void, Errno> {
        perform(.close, [Int(fd)]) { Glibc.close(fd) }
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        system(.read, [Int(fd), buffer.count], failed: { $0 < 0 }) { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// The target of a symbolic link (`/proc/self/fd/N` names what a descriptor is:
    /// `anon_inode:sync_file`, `/dmabuf:`, `memfd:heapwise (deleted)`).
    static func readlink(_ path: String) -> Result<String, Errno> {
        var target = [UInt8](repeating: 0, count: Int(PATH_MAX))
        return system(.readlink, failed: { $0 < 0 }) {
            target.withUnsafeMutableBytes { buffer in
                Glibc.readlink(path, buffer.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: CChar.self), buffer.count)
            }
        }.map { String(decoding: target.prefix($0), as: UTF8.self) }
    }

    /// The file the executable or shared library holding `address` was loaded from, with its
    /// symbolic links resolved (the dynamic loader's `dladdr`, then `realpath`); nil when the
    /// loader does not know. Neither call is a syscall or sets a useful errno.
    static func loadedImage(containing address: UnsafeRawPointer) -> String? {
        guard let name = hw_loaded_image(address), let resolved = Glibc.realpath(name, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether this user may `mode` (`R_OK`, `W_OK`, `F_OK`) the file; the errno says why not.
    static func access(_ path: String, _ mode: Int32) -> Result<Void, Errno> {
        perform(.access, [Int(mode)]) { Glibc.access(path, mode) }
    }

    /// The names in a directory, without `.` and `..`, in the order the file system gives.
    /// The corresponding calls are `opendir`, `readdir` and `closedir`.
    static func listDirectory(_ path: String) -> Result<[String], Errno> {
        let directory: OpaquePointer
        switch system(.openDirectory, failed: { $0 == nil }, { opendir(path) }) {
        case let .success(opened?): directory = opened
        case .success(nil): return .failure(.noSuchFileOrDirectory)  // unreachable: nil is a failure
        case let .failure(errno): return .failure(errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    /// The file's type and permission bits (`st_mode` of `stat`, following links).
    static func fileMode(_ path: String) -> Result<mode_t, Errno> {
        var mode: UInt32 = 0
        return call(.stat) { hw_stat_mode(path, &mode) }.map { _ in mode_t(mode) }
    }

    /// The inode of the file at `path`, following links: for `/proc/PID/fd/N`, the open file's
    /// own inode (how a dma-buf is identified on kernels whose fdinfo has no `ino:`, before 5.14).
    static func inode(_ path: String) -> Result<UInt64, Errno> {
        var inode: UInt64 = 0
        return call(.stat) { hw_stat_inode(path, &inode) }.map { _ in inode }
    }

    static func openAt(_ directory: Int32, _ name: String, _ flags: Int32) -> Result<Int32, Errno> {
        call(.openAt, [Int(directory), Int(flags)]) { hw_openat(directory, name, flags) }
    }

    /// The device and inode `name` in `directory` names (following a `/proc/PID/fd/N` link to
    /// the open file), from cached attributes only.
    static func identity(_ directory: Int32, _ name: String) -> Result<(device: UInt64, inode: UInt64), Errno> {
        var device: UInt64 = 0, inode: UInt64 = 0
        return call(.statx, [Int(directory)]) { hw_statx_identity(directory, name, &device, &inode) }.map { _ in (device, inode) }
    }

    /// `identity` and `openAt` of the entry named by the decimal `number`.
    static func identity(_ directory: Int32, number: Int32) -> Result<(device: UInt64, inode: UInt64), Errno> {
        var device: UInt64 = 0, inode: UInt64 = 0
        return call(.statx, [Int(directory), Int(number)]) { hw_statx_identity_number(directory, number, &device, &inode) }.map { _ in (device, inode) }
    }

    static func openAt(_ directory: Int32, number: Int32, _ flags: Int32) -> Result<Int32, Errno> {
        call(.openAt, [Int(directory), Int(flags)]) { hw_openat_number(directory, number, flags) }
    }

    /// Fills `buffer` with `linux_dirent64` records of the open directory; 0 at its end.
    static func directoryEntries(_ directory: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        system(.getdents, [Int(directory)], failed: { $0 < 0 }) { hw_getdents64(directory, buffer.baseAddress, UInt(buffer.count)) }
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Result<Int, Errno> {
        system(.write, [Int(fd), bytes.count], failed: { $0 < 0 }) { Glibc.write(fd, bytes.baseAddress, bytes.count) }
    }

    static func makeDirectory(_ path: String, _ mode: mode_t) -> Result<Void, Errno> {
        perform(.makeDirectory) { Glibc.mkdir(path, mode) }
    }

    static func symlink(_ target: String, _ path: String) -> Result<Void, Errno> {
        perform(.symlink) { Glibc.symlink(target, path) }
    }

    static func link(_ existing: String, _ path: String) -> Result<Void, Errno> {
        perform(.link) { Glibc.link(existing, path) }
    }

    static func unlink(_ path: String) -> Result<Void, Errno> {
        perform(.unlink) { Glibc.unlink(path) }
    }

    static func removeDirectory(_ path: String) -> Result<Void, Errno> {
        perform(.removeDirectory) { Glibc.rmdir(path) }
    }

    /// Sleeps `duration`; an interrupted sleep resumes for the time that remained.
    static func sleep(_ duration: Duration) {
        let nanoseconds = max(0, duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while case .failure(.interrupted) = perform(.sleep, [], { nanosleep(&request, &remaining) }) { request = remaining }
    }

    static func fstat(_ fd: Int32) -> Result<stat, Errno> {
        var info = stat()
        return call(.fstat, [Int(fd)]) { Glibc.fstat(fd, &info) }.map { _ in info }
    }

    /// Waits up to `timeoutMilliseconds` for `events` on `fd`; returns the events that
    /// occurred (none on timeout).
    static func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32) -> Result<Int16, Errno> {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return call(.poll, [Int(fd), Int(events)]) { Glibc.poll(&entry, 1, timeoutMilliseconds) }
            .map { ready in ready == 0 ? 0 : entry.revents }
    }

    // MARK: Memory

    static func mmap(_ fd: Int32, length: Int, protection: Int32) -> Result<UnsafeMutableRawPointer, Errno> {
        system(.mmap, [Int(fd), length, Int(protection)], failed: { $0 == nil || $0 == MAP_FAILED }) {
            Glibc.mmap(nil, length, protection, MAP_SHARED, fd, 0)
        }.map { address in address.unsafelyUnwrapped }  // non-nil: nil counts as failed above
    }

    static func munmap(_ address: UnsafeMutableRawPointer, length: Int) -> Result<Void, Errno> {
        perform(.munmap, [length]) { Glibc.munmap(address, length) }
    }

    /// Takes a `StaticString`: the name is a debugging label (`/proc/PID/fd` shows
    /// `memfd:NAME`), and a static one costs no conversion on the allocation path.
    static func memfdCreate(_ name: StaticString, flags: Int32) -> Result<Int32, Errno> {
        // A string literal's storage is NUL-terminated, so it can go to C as it is.
        call(.memfdCreate, [Int(flags)]) {
            hw_memfd_create(UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self), UInt32(flags))
        }
    }

    static func ftruncate(_ fd: Int32, _ length: Int) -> Result<Void, Errno> {
        perform(.ftruncate, [Int(fd), length]) { Glibc.ftruncate(fd, off_t(length)) }
    }

    /// `fcntl(fd, F_ADD_SEALS, seals)`.
    static func addSeals(_ fd: Int32, _ seals: Int32) -> Result<Void, Errno> {
        perform(.addSeals, [Int(fd), Int(seals)]) { hw_fcntl_int(fd, hw_F_ADD_SEALS, seals) }
    }

    /// `fcntl(fd, F_GET_SEALS)`: the seals a memfd carries.
    static func seals(_ fd: Int32) -> Result<Int32, Errno> {
        call(.getSeals, [Int(fd)]) { hw_fcntl_int(fd, hw_F_GET_SEALS, 0) }
    }

    /// `fcntl(fd, F_DUPFD_CLOEXEC, 0)`: a private, close-on-exec copy of a caller's descriptor.
    static func duplicate(_ fd: Int32) -> Result<Int32, Errno> {
        call(.duplicate, [Int(fd)]) { hw_fcntl_int(fd, F_DUPFD_CLOEXEC, 0) }
    }

    /// The effective uid, which `/proc`'s permission checks (`ptrace_may_access`) compare with
    /// a process's owner. `geteuid` cannot fail.
    static var effectiveUserID: UInt32 { geteuid() }

    /// The processors this process may run on (`sched_getaffinity`), at least 1.
    static var processorCount: Int { Int(hw_processor_count()) }

    /// This process's pid (`getpid` cannot fail).
    static var processID: Int32 { getpid() }

    /// The MMU page size (`sysconf(_SC_PAGESIZE)`, read when the program loads), the
    /// granule of every dma-buf length.
    static var pageSize: Int { hw_page_size() }

    // MARK: dma-buf, dma-buf heaps, udmabuf

    static func dmaHeapAlloc(_ heapFD: Int32, length: UInt64) -> Result<Int32, Errno> {
        var fd: Int32 = -1
        return call(.dmaHeapAlloc, [Int(heapFD), Int(length)]) {
            hw_dma_heap_alloc(heapFD, length, UInt32(O_RDWR | O_CLOEXEC), 0, &fd)
        }.map { _ in fd }
    }

    /// `flags` are `DMA_BUF_SYNC_START`/`END` with `READ`/`WRITE`: the second argument a
    /// mock can match, to fail only the END of an access.
    static func dmaBufSync(_ fd: Int32, flags: UInt64) -> Result<Void, Errno> {
        perform(.dmaBufSync, [Int(fd), Int(flags)]) { hw_dma_buf_sync(fd, flags) }
    }

    static func dmaBufSetName(_ fd: Int32, _ name: String) -> Result<Void, Errno> {
        perform(.dmaBufSetName, [Int(fd)]) { hw_dma_buf_set_name(fd, name) }
    }

    static func dmaBufExportSyncFile(_ fd: Int32, flags: UInt32) -> Result<Int32, Errno> {
        var syncFD: Int32 = -1
        return call(.dmaBufExportSyncFile, [Int(fd), Int(flags)]) { hw_dma_buf_export_sync_file(fd, flags, &syncFD) }
            .map { _ in syncFD }
    }

    static func dmaBufImportSyncFile(_ fd: Int32, flags: UInt32, syncFD: Int32) -> Result<Void, Errno> {
        perform(.dmaBufImportSyncFile, [Int(fd), Int(flags), Int(syncFD)]) { hw_dma_buf_import_sync_file(fd, flags, syncFD) }
    }

    /// How many heaps ION has: `ION_IOC_HEAP_QUERY` with no buffer.
    static func ionHeapCount(_ ionFD: Int32) -> Result<UInt32, Errno> {
        var count: UInt32 = 0
        return call(.ionHeapQuery, [Int(ionFD), 0]) { hw_ion_heap_count(ionFD, &count) }.map { _ in count }
    }

    /// Up to `max` of ION's heaps (`ION_IOC_HEAP_QUERY` into a buffer), in the kernel's order.
    static func ionQueryHeaps(_ ionFD: Int32, max: Int) -> Result<[hw_ion_heap], Errno> {
        var heaps = [hw_ion_heap](repeating: hw_ion_heap(), count: max)
        var count: UInt32 = 0
        return call(.ionHeapQuery, [Int(ionFD), max]) {
            heaps.withUnsafeMutableBufferPointer { hw_ion_query_heaps(ionFD, $0.baseAddress, UInt32(max), &count) }
        }.map { _ in Array(heaps.prefix(Int(count))) }
    }

    /// `ION_IOC_ALLOC` of `length` bytes from the heaps of `heapMask`, cached
    /// (`ION_FLAG_CACHED`): the new dma-buf's descriptor.
    static func ionAlloc(_ ionFD: Int32, length: UInt64, heapMask: UInt32) -> Result<Int32, Errno> {
        var fd: Int32 = -1
        return call(.ionAlloc, [Int(ionFD), Int(length), Int(heapMask)]) {
            hw_ion_alloc(ionFD, length, heapMask, hw_ION_FLAG_CACHED, &fd)
        }.map { _ in fd }
    }

    static func udmabufCreate(_ deviceFD: Int32, memfd: Int32, offset: UInt64, size: UInt64) -> Result<Int32, Errno> {
        call(.udmabufCreate, [Int(deviceFD), Int(memfd), Int(offset), Int(size)]) {
            hw_udmabuf_create(deviceFD, memfd, hw_UDMABUF_FLAGS_CLOEXEC, offset, size)
        }
    }

    // MARK: Benchmark baselines

    /// One allocate+free by a plain C loop of `heapwise bench alloc` (`baseline.c`), which
    /// makes the allocator's syscalls and times itself; -1 and errno on failure.
    static func baseline(_ body: (inout UInt64) -> Int32) -> Result<Duration, Errno> {
        var nanoseconds: UInt64 = 0
        return call(.baselineAllocateFree) { body(&nanoseconds) }.map { _ in .nanoseconds(Int64(nanoseconds)) }
    }

    // MARK: The funnel itself

    /// Runs a call that returns -1 and sets errno on failure (every syscall and ioctl wrapper
    /// of the C shim does) and whose result is data (a descriptor, a count). A mock can fail
    /// it but not stand in for its success: there is no data to invent.
    @inline(__always)
    static func call(_ name: KernelCall, _ arguments: @autoclosure () -> [Int] = [], _ body: () -> Int32) -> Result<Int32, Errno> {
        system(name, arguments(), failed: { $0 == -1 }, body)
    }

    /// Runs a call whose success carries nothing (0 or -1 with errno, like most ioctls); a
    /// mock may stand in for its success, so a test can let one ioctl through and fail another.
    @inline(__always)
    static func perform(_ name: KernelCall, _ arguments: @autoclosure () -> [Int] = [], _ body: () -> Int32) -> Result<Void, Errno> {
        system(name, arguments(), success: 0, failed: { $0 == -1 }, body).map { _ in () }
    }

    /// The single place errno is read: runs `body` (unless a mock answers for it) and turns a
    /// result `failed` recognises into the errno the call left.
    @inline(__always)
    static func system<T>(
        _ name: KernelCall, _ arguments: @autoclosure () -> [Int] = [], success: T? = nil,
        failed: (T) -> Bool, _ body: () -> T
    ) -> Result<T, Errno> {
        if let mocked = Mocking.outcome(for: name, arguments: arguments()) {
            switch mocked {
            case let .fail(errno): return .failure(errno)
            case .succeed:
                // Only calls whose success carries no data (0 from an ioctl) can be faked.
                if let success { return .success(success) }
            }
        }
        let value = body()
        return failed(value) ? .failure(Errno(rawValue: errno)) : .success(value)
    }

    /// Runs `body` until it does not fail with EINTR (or once, when `retry` is false).
    static func retryingInterrupts<T>(_ retry: Bool, _ body: () -> Result<T, Errno>) -> Result<T, Errno> {
        while true {
            let result = body()
            guard retry, case .failure(.interrupted) = result else { return result }
        }
    }
}
