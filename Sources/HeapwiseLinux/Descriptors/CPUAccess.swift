import CHeapwiseLinux
import Glibc
import SystemPackage

/// How the CPU will touch a buffer, which decides the mapping's protection and the cache
/// maintenance `DMA_BUF_IOCTL_SYNC` performs (invalidate before reads, clean after writes).
public enum CPUAccess: Sendable {
    case read, write, readWrite

    var syncFlags: UInt64 {
        switch self {
        case .read: hw_DMA_BUF_SYNC_READ
        case .write: hw_DMA_BUF_SYNC_WRITE
        case .readWrite: hw_DMA_BUF_SYNC_RW
        }
    }

    var protection: Int32 {
        switch self {
        case .read: PROT_READ
        case .write, .readWrite: PROT_READ | PROT_WRITE
        }
    }
}

extension DMABufHandle where Self: ~Copyable {
    /// Maps the buffer for the CPU, brackets `body` with `DMA_BUF_IOCTL_SYNC` START and END,
    /// and unmaps, even when `body` throws (its error is the one reported, as swift-system's
    /// `closeAfter` does). The sync ioctls are retried on EINTR and EAGAIN, which the kernel
    /// returns while waiting for fences (`dma_buf_begin_cpu_access`).
    ///
    /// The mapping is `MAP_SHARED`: the CPU sees the device's memory, not a copy. For the
    /// memfd fallback there is no dma-buf to sync, so only the mapping happens.
    public func withCPUAccess<R>(
        _ access: CPUAccess, retryOnInterrupt: Bool = true,
        _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) throws -> R {
        let address = try mapForCPU(access)
        defer { _ = Syscalls.munmap(address, length: size) }
        return try withSync(access, retryOnInterrupt: retryOnInterrupt) {
            try body(UnsafeMutableRawBufferPointer(start: address, count: size))
        }
    }

    /// Maps the whole buffer `MAP_SHARED` with `access`'s protection; the caller unmaps it
    /// (`withCPUAccess` when its body returns, `CPUMapping.end()`).
    func mapForCPU(_ access: CPUAccess) throws(LinuxError) -> UnsafeMutableRawPointer {
        switch Syscalls.mmap(checkedFD(), length: size, protection: access.protection) {
        case let .success(mapped): return mapped
        case let .failure(errno):
            throw .from(errno, node: origin, operation: .mmap, message: "mapping the \(size)-byte buffer for the CPU failed")
        }
    }

    /// Brackets `body`, CPU access through a mapping the caller holds (a buffer pool keeps one
    /// per buffer), with `DMA_BUF_IOCTL_SYNC` START and END, END even when `body` throws (its
    /// error is the one reported). Nothing to sync for the memfd fallback.
    func withSync<R>(_ access: CPUAccess, retryOnInterrupt: Bool = true, _ body: () throws -> R) throws -> R {
        guard isDMABuf else { return try body() }
        try sync(hw_DMA_BUF_SYNC_START | access.syncFlags, retry: retryOnInterrupt)
        let result: R
        do {
            result = try body()
        } catch {
            try? sync(hw_DMA_BUF_SYNC_END | access.syncFlags, retry: retryOnInterrupt)
            throw error
        }
        try sync(hw_DMA_BUF_SYNC_END | access.syncFlags, retry: retryOnInterrupt)
        return result
    }

    func sync(_ flags: UInt64, retry: Bool) throws(LinuxError) {
        let fd = checkedFD()
        var result = Syscalls.dmaBufSync(fd, flags: flags)
        while retry, case let .failure(errno) = result, errno == .interrupted || errno == .resourceTemporarilyUnavailable {
            result = Syscalls.dmaBufSync(fd, flags: flags)
        }
        if case let .failure(errno) = result {
            let phase = flags & hw_DMA_BUF_SYNC_END != 0 ? "END" : "START"
            throw .from(errno, node: origin, operation: .dmaBufSync, message: "cache synchronisation (\(phase)) failed")
        }
    }
}

extension LinuxError {
    /// Runs CPU-access code, whose errors are the sync ioctls' `LinuxError`s or a body's own;
    /// the latter are reported as a failed CPU access of `node`, so callers keep typed throws.
    public static func duringCPUAccess<R>(of node: String, _ body: () throws -> R) throws(LinuxError) -> R {
        do {
            return try body()
        } catch let error as LinuxError {
            throw error
        } catch {
            throw LinuxError(code: .failed, node: node, operation: .cpuAccess, message: "\(error)")
        }
    }
}
