import Glibc
import SystemPackage

/// A program this process starts and stops (`bench broker` runs `heapwise serve` beside
/// itself): `posix_spawn` with standard input from /dev/null, then SIGTERM and `waitpid`.
public final class ChildProcess: @unchecked Sendable {
    public let pid: Int32
    private var reaped = false

    init(pid: Int32) { self.pid = pid }

    public static func spawn(_ argv: [String]) throws(LinuxError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        let arguments = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = Syscalls.system(.spawn, failed: { $0 != 0 }) { posix_spawn(&pid, argv[0], &actions, nil, arguments, environ) }
        switch result {
        case .success: return ChildProcess(pid: pid)
        case let .failure(errno): throw .from(errno, node: argv[0], operation: .spawn, message: "cannot start the program")
        }
    }

    /// SIGTERM, then waits for it; its exit status.
    @discardableResult
    public func terminate() -> Int32 {
        guard !reaped else { return -1 }
        reaped = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    deinit { terminate() }
}

/// A private directory for a run's files (a policy, a socket), removed with what is in it.
public final class ScratchDirectory: @unchecked Sendable {
    public let path: String
    private var files: [String] = []

    public init(prefix: String) throws(LinuxError) {
        path = "/tmp/\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if case let .failure(errno) = Syscalls.makeDirectory(path, 0o700) {
            throw .from(errno, node: path, operation: .makeDirectory, message: "cannot create a scratch directory")
        }
    }

    /// Writes `text` to `name` in the directory; returns its path.
    public func write(_ text: String, to name: String) throws(LinuxError) -> String {
        let file = path + "/" + name
        let fd: Int32
        switch Syscalls.open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) {
        case let .success(opened): fd = opened
        case let .failure(errno): throw .from(errno, node: file, operation: .open, message: "cannot write the file")
        }
        defer { _ = Syscalls.close(fd) }
        let bytes = Array(text.utf8)
        if case let .failure(errno) = bytes.withUnsafeBytes({ Syscalls.write(fd, $0) }) {
            throw .from(errno, node: file, operation: .write, message: "cannot write the file")
        }
        files.append(file)
        return file
    }

    /// A path in the directory for something another process creates (a socket).
    public func reserve(_ name: String) -> String {
        files.append(path + "/" + name)
        return path + "/" + name
    }

    deinit {
        for file in files { _ = Syscalls.unlink(file) }
        _ = Syscalls.removeDirectory(path)
    }
}
