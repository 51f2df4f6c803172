import Glibc

/// Small text files from procfs and sysfs (`/proc/meminfo`, `/proc/self/fdinfo/N`,
/// `/sys/module/udmabuf/parameters/size_limit_mb`), read through the syscall funnel.
enum ProcFiles {
    /// The whole file as text, or nil when it does not exist or cannot be read.
    static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        guard case let .success(raw) = Syscalls.retryingInterrupts(true, { Syscalls.open(path, O_RDONLY | O_CLOEXEC) }) else {
            return nil
        }
        let file = Descriptor(adopting: raw)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let result = chunk.withUnsafeMutableBytes { buffer in
                Syscalls.retryingInterrupts(true) { Syscalls.read(file.rawValue, into: buffer) }
            }
            guard case let .success(count) = result else { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A sysfs attribute holding one integer.
    static func integer(_ path: String) -> Int? {
        read(path).flatMap { Int($0.filter { !$0.isWhitespace }) }
    }

    /// A `/proc/meminfo` field in bytes (the file gives kB).
    static func meminfo(_ field: String, from text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.dropFirst(field.count + 1).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
