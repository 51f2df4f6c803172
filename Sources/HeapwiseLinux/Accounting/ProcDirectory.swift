import Glibc
import SystemPackage

/// A `/proc` directory (`/proc`, `/proc/PID/fd`, `/proc/PID/fdinfo`) opened once, whose
/// entries are then listed, identified and read relative to its descriptor (`getdents64`,
/// `statx`, `openat`), so the walk never resolves the same path twice: it makes tens of
/// thousands of calls, and each path lookup through `/proc/PID` costs as much as the read.
/// A class, so a `Result` can carry it; the `Descriptor` inside closes it once.
final class ProcDirectory {
    private let descriptor: Descriptor

    private init(_ descriptor: consuming Descriptor) { self.descriptor = descriptor }

    static func open(_ path: String) -> Result<ProcDirectory, Errno> {
        Syscalls.retryingInterrupts(true) { Syscalls.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            .map { ProcDirectory(Descriptor(adopting: $0)) }
    }

    /// A subdirectory, opened relative to this one.
    func directory(_ name: String) -> Result<ProcDirectory, Errno> {
        Syscalls.retryingInterrupts(true) { Syscalls.openAt(descriptor.rawValue, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            .map { ProcDirectory(Descriptor(adopting: $0)) }
    }

    /// The entries whose names are decimal numbers (pids in `/proc`, fds in `fd/`), in the
    /// order the kernel lists them; `scratch` is reused between calls.
    func numericNames(scratch: inout [UInt8]) -> Result<[Int32], Errno> {
        var numbers: [Int32] = []
        let fd = descriptor.rawValue
        while true {
            let result = scratch.withUnsafeMutableBytes { Syscalls.directoryEntries(fd, into: $0) }
            switch result {
            case let .failure(errno): return .failure(errno)
            case .success(0): return .success(numbers)
            case let .success(length):
                scratch.withUnsafeBytes { raw in
                    // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
                    var offset = 0
                    while offset + 19 < length {
                        let recordLength = Int(raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt16.self))
                        guard recordLength > 0 else { break }
                        var value: Int64 = 0
                        var digits = 0
                        var index = offset + 19
                        while index < offset + recordLength, raw[index] != 0 {
                            let byte = raw[index]
                            guard byte >= 0x30, byte <= 0x39, digits < 10 else { digits = -1; break }
                            value = value * 10 + Int64(byte - 0x30)
                            digits += 1
                            index += 1
                        }
                        if digits > 0, value <= Int64(Int32.max) { numbers.append(Int32(value)) }
                        offset += recordLength
                    }
                }
            }
        }
    }

    /// The device and inode of the file the entry names (the open file, for `fd/N`).
    func identity(_ name: Int32) -> Result<(device: UInt64, inode: UInt64), Errno> {
        Syscalls.identity(descriptor.rawValue, number: name)
    }

    /// The entry's contents, at most `limit` bytes (a longer file is `.fileTooLarge`), into
    /// `scratch`, which grows as needed and is reused between calls. Returns the length.
    func read(_ name: String, into scratch: inout [UInt8], limit: Int, whole: Bool = false) -> Result<Int, Errno> {
        read(Syscalls.retryingInterrupts(true, { Syscalls.openAt(descriptor.rawValue, name, O_RDONLY | O_CLOEXEC) }), into: &scratch, limit: limit, whole: whole)
    }

    /// `read` of the entry named by a number (`fdinfo/N`).
    func read(_ number: Int32, into scratch: inout [UInt8], limit: Int, whole: Bool = false) -> Result<Int, Errno> {
        read(Syscalls.retryingInterrupts(true, { Syscalls.openAt(descriptor.rawValue, number: number, O_RDONLY | O_CLOEXEC) }),
             into: &scratch, limit: limit, whole: whole)
    }

    /// With `whole`, a read that leaves room in the buffer is taken as the end of the file,
    /// saving the read that would return 0. Right for `single_open` seq files (fdinfo's
    /// `seq_show`, `status`), which produce their whole text and hand it out in one read when
    /// it fits, and for regular files; not for `maps`, whose seq file stops a read early
    /// whenever the next line does not fit its page.
    private func read(_ opened: Result<Int32, Errno>, into scratch: inout [UInt8], limit: Int, whole: Bool = false) -> Result<Int, Errno> {
        let file: Descriptor
        switch opened {
        case let .success(raw): file = Descriptor(adopting: raw)
        case let .failure(errno): return .failure(errno)
        }
        let fd = file.rawValue
        var length = 0
        while true {
            if length == scratch.count {
                guard scratch.count <= limit else { return .failure(.fileTooLarge) }
                scratch += [UInt8](repeating: 0, count: scratch.count)
            }
            let result = scratch.withUnsafeMutableBytes { buffer in
                Syscalls.retryingInterrupts(true) { Syscalls.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[length...])) }
            }
            switch result {
            case let .failure(errno): return .failure(errno)
            case .success(0): return length > limit ? .failure(.fileTooLarge) : .success(length)
            case let .success(count) where whole && length + count < scratch.count:
                length += count
                return length > limit ? .failure(.fileTooLarge) : .success(length)
            case let .success(count): length += count
            }
        }
    }
}
