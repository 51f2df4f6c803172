import Glibc
import HeapwiseCore
import SystemPackage

/// The files a user hands Heapwise (profiles, pipelines, heap catalogs), read through the
/// syscall funnel. The model (HeapwiseCore) parses text and never touches the file system,
/// and HeapwiseLoading decides which files to read; this is where paths become text and
/// I/O failures become `InputError`s that say what to do. It lives here, not in
/// HeapwiseLoading, because only HeapwiseLinux may open files or list directories.
public enum UserFiles {
    /// Larger than any profile, pipeline or catalog could need; a bigger file is a mistake
    /// (a video, a disk image) and is refused before it fills memory.
    public static let sizeLimit = 4 << 20

    /// The whole file as UTF-8 text.
    public static func read(_ path: String) throws(InputError) -> String {
        let bytes: [UInt8]
        switch FileContents.bytes(path, limit: sizeLimit) {
        case let .success(read): bytes = read
        case .failure(.noSuchFileOrDirectory): throw InputError(.fileNotFound, file: path, message: "no such file")
        case .failure(.isDirectory): throw InputError(.unreadable, file: path, message: "this is a directory, not a file")
        case .failure: throw InputError(.unreadable, file: path, message: "cannot read the file (check its permissions)")
        }
        guard bytes.count <= sizeLimit else {
            throw InputError(.invalidValue, file: path, message: "the file is larger than \(ByteCount.format(sizeLimit)); a profile or pipeline is a few KiB")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(.notUTF8, file: path, message: "the file is not UTF-8 text")
        }
        return text
    }

    /// Whether `path` names a directory that exists.
    public static func isDirectory(_ path: String) -> Bool {
        guard case let .success(mode) = Syscalls.fileMode(path) else { return false }
        return mode & S_IFMT == S_IFDIR
    }

    /// This program's own executable (`/proc/self/exe`), to start another copy of it.
    public static var executable: String? {
        guard case let .success(path) = Syscalls.readlink("/proc/self/exe") else { return nil }
        return path
    }

    /// Whether `path` names a file (not a directory) that exists.
    public static func exists(_ path: String) -> Bool {
        guard case let .success(mode) = Syscalls.fileMode(path) else { return false }
        return mode & S_IFMT != S_IFDIR
    }

    /// The names in `directory` that end in `suffix`, sorted.
    public static func names(in directory: String, endingWith suffix: String) throws(InputError) -> [String] {
        switch Syscalls.listDirectory(directory) {
        case let .success(names): return names.filter { $0.hasSuffix(suffix) }.sorted()
        case .failure(.noSuchFileOrDirectory): throw InputError(.fileNotFound, file: directory, message: "no such directory")
        case let .failure(errno): throw InputError(.unreadable, file: directory, message: "cannot list the directory: \(errno)")
        }
    }
}
