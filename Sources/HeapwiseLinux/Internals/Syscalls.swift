import CHeapwiseLinux
import Glibc
import SystemPackage

/// The one funnel every system call of Heapwise goes through (after swift-system's
/// `Internals/Syscalls.swift`): each returns `Result<_, Errno>` with errno captured right
/// after the call, and in debug builds can be made to fail on demand for error-path tests.
enum Syscalls {
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Int32, Errno> {
        call(.open) { Glibc.open(path, flags, mode) }
    }

    /// Never retried: after EINTR the descriptor is already gone on Linux, and retrying could
    /// close one another thread just opened (swift-nio explains the same choice).
    static func close(_ fd: Int32) -> Result<Void, Errno> {
        call(.close) { Glibc.close(fd) }.map { _ in () }
    }

    static func dmaHeapAlloc(_ heapFD: Int32, length: UInt64) -> Result<Int32, Errno> {
        var fd: Int32 = -1
        return call(.ioctl) { hw_dma_heap_alloc(heapFD, length, UInt32(O_RDWR | O_CLOEXEC), 0, &fd) }.map { _ in fd }
    }

    static func dmaBufSync(_ fd: Int32, flags: UInt64) -> Result<Void, Errno> {
        call(.ioctl) { hw_dma_buf_sync(fd, flags) }.map { _ in () }
    }

    static func dmaBufSetName(_ fd: Int32, _ name: String) -> Result<Void, Errno> {
        call(.ioctl) { hw_dma_buf_set_name(fd, name) }.map { _ in () }
    }

    static func dmaBufExportSyncFile(_ fd: Int32, flags: UInt32) -> Result<Int32, Errno> {
        var syncFD: Int32 = -1
        return call(.ioctl) { hw_dma_buf_export_sync_file(fd, flags, &syncFD) }.map { _ in syncFD }
    }

    static func dmaBufImportSyncFile(_ fd: Int32, flags: UInt32, syncFD: Int32) -> Result<Void, Errno> {
        call(.ioctl) { hw_dma_buf_import_sync_file(fd, flags, syncFD) }.map { _ in () }
    }

    static func udmabufCreate(_ deviceFD: Int32, memfd: Int32, offset: UInt64, size: UInt64) -> Result<Int32, Errno> {
        call(.ioctl) { hw_udmabuf_create(deviceFD, memfd, hw_UDMABUF_FLAGS_CLOEXEC, offset, size) }
    }

    /// Takes a `StaticString`: the name is a debugging label (`/proc/PID/fd` shows
    /// `memfd:NAME`), and a static one costs no conversion on the allocation path.
    static func memfdCreate(_ name: StaticString, flags: Int32) -> Result<Int32, Errno> {
        // A string literal's storage is NUL-terminated, so it can go to C as it is.
        call(.memfdCreate) {
            hw_memfd_create(UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self), UInt32(flags))
        }
    }

    static func ftruncate(_ fd: Int32, _ length: Int) -> Result<Void, Errno> {
        call(.ftruncate) { Glibc.ftruncate(fd, off_t(length)) }.map { _ in () }
    }

    static func addSeals(_ fd: Int32, _ seals: Int32) -> Result<Void, Errno> {
        call(.fcntl) { hw_fcntl_int(fd, hw_F_ADD_SEALS, seals) }.map { _ in () }
    }

    /// `fcntl(fd, F_DUPFD_CLOEXEC, 0)`: a private, close-on-exec copy of a caller's descriptor.
    static func duplicate(_ fd: Int32) -> Result<Int32, Errno> {
        call(.fcntl) { hw_fcntl_int(fd, F_DUPFD_CLOEXEC, 0) }
    }

    static func fstat(_ fd: Int32) -> Result<stat, Errno> {
        var info = stat()
        return call(.fstat) { Glibc.fstat(fd, &info) }.map { _ in info }
    }

    static func mmap(_ fd: Int32, length: Int, protection: Int32) -> Result<UnsafeMutableRawPointer, Errno> {
        if let failure = Mocking.failure(for: .mmap) { return .failure(failure) }
        let address = Glibc.mmap(nil, length, protection, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else { return .failure(Errno(rawValue: errno)) }
        return .success(address)
    }

    static func munmap(_ address: UnsafeMutableRawPointer, length: Int) -> Result<Void, Errno> {
        call(.munmap) { Glibc.munmap(address, length) }.map { _ in () }
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        if let failure = Mocking.failure(for: .read) { return .failure(failure) }
        let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
        return count < 0 ? .failure(Errno(rawValue: errno)) : .success(count)
    }

    /// The MMU page size (`sysconf(_SC_PAGESIZE)`, read when the program loads), the
    /// granule of every dma-buf length.
    static var pageSize: Int { hw_page_size() }

    static func access(_ path: String, _ mode: Int32) -> Bool {
        Glibc.access(path, mode) == 0
    }

    /// Runs a call that returns -1 and sets errno on failure.
    @inline(__always)
    private static func call(_ name: Syscall, _ body: () -> Int32) -> Result<Int32, Errno> {
        if let failure = Mocking.failure(for: name) { return .failure(failure) }
        let result = body()
        return result == -1 ? .failure(Errno(rawValue: errno)) : .success(result)
    }

    /// Runs `body` until it does not fail with EINTR (or once, when `retry` is false).
    static func retryingInterrupts<T>(_ retry: Bool, _ body: () -> Result<T, Errno>) -> Result<T, Errno> {
        while true {
            let result = body()
            guard retry, case .failure(.interrupted) = result else { return result }
        }
    }
}

/// The calls the funnel knows, for mocking.
enum Syscall: Hashable, Sendable {
    case open, close, ioctl, mmap, munmap, fstat, fcntl, memfdCreate, ftruncate, read, poll
}
