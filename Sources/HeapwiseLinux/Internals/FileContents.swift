import Glibc
import SystemPackage

/// Reading a whole file through the syscall funnel: `open`, `read` until end of file (each
/// retried on EINTR), `close`. Procfs and sysfs files report a size of 0, so the loop reads
/// until `read` returns 0 rather than trusting `fstat`.
enum FileContents {
    /// At most `limit + 1` bytes of the file, so a caller can tell a file over its limit.
    static func bytes(_ path: String, limit: Int) -> Result<[UInt8], Errno> {
        let file: Descriptor
        switch Syscalls.retryingInterrupts(true, { Syscalls.open(path, O_RDONLY | O_CLOEXEC) }) {
        case let .success(raw): file = Descriptor(adopting: raw)
        case let .failure(errno): return .failure(errno)
        }
        let fd = file.rawValue  // a closure cannot capture the noncopyable owner itself
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= limit {
            let result = chunk.withUnsafeMutableBytes { buffer in
                Syscalls.retryingInterrupts(true) { Syscalls.read(fd, into: buffer) }
            }
            switch result {
            case .success(0): return .success(bytes)
            case let .success(count): bytes.append(contentsOf: chunk[0..<count])
            case let .failure(errno): return .failure(errno)
            }
        }
        return .success(bytes)
    }
}
