import Glibc

/// Small text files from procfs and sysfs (`/proc/meminfo`, `/proc/self/fdinfo/N`,
/// `/sys/module/udmabuf/parameters/size_limit_mb`), read through the syscall funnel.
enum ProcFiles {
    /// The file as text (its first `limit` bytes), or nil when it does not exist or cannot be
    /// read; with `whole`, also nil when it is longer than `limit`, for a reader that must not
    /// act on half a file.
    static func read(_ path: String, limit: Int = 1 << 20, whole: Bool = false) -> String? {
        guard case let .success(bytes) = FileContents.bytes(path, limit: limit) else { return nil }
        if whole && bytes.count > limit { return nil }
        return String(decoding: bytes.prefix(limit), as: UTF8.self)
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
