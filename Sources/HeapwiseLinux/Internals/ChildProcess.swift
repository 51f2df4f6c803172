import Glibc
import HeapwiseCore
import SystemPackage

/// A program this process starts: the one `posix_spawn` of Heapwise and its tests (`bench
/// broker` runs `heapwise serve` beside itself; the tests run the CLI, the broker, a
/// socket-activated broker). Standard input is /dev/null; output and errors go where asked;
/// descriptors are passed at the numbers the child expects (systemd's fd 3). Stopped by pid:
/// SIGTERM and `waitpid`, when it goes away if not before.
public final class ChildProcess: @unchecked Sendable {
    /// Where the child's standard output or error goes.
    public enum Output: Sendable, Hashable {
        case inherit
        case null
        /// Appended to this file, created 0644 when missing.
        case file(String)
        /// A pipe this process reads with `readOutput()` (standard output only).
        case pipe
        /// Wherever standard output goes (standard error only).
        case sameAsOutput
    }

    public let pid: ProcessID
    private var pipe: Descriptor?
    private var status: Int32?

    init(pid: ProcessID, pipe: consuming Descriptor?) {
        self.pid = pid
        self.pipe = pipe
    }

    /// Starts `argv[0]` (a path) with `argv`; `passing` maps a descriptor number in the child
    /// to one of this process's, lent for the spawn; `environment` adds to (or replaces in)
    /// this process's own.
    public static func spawn(_ argv: [String], output: Output = .inherit, errors: Output = .inherit,
                             passing: [Int32: Int32] = [:], environment: [String: String] = [:]) throws(LinuxError) -> ChildProcess {
        precondition(!argv.isEmpty, "a program to run")
        precondition(errors != .pipe && output != .sameAsOutput, "output may be a pipe; errors may follow output")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        var ends: (read: Int32, write: Int32)?
        if output == .pipe {
            switch Syscalls.pipe() {
            case let .success(pair): ends = pair
            case let .failure(errno): throw .from(errno, node: argv[0], operation: .spawn, message: "cannot make a pipe for the program's output")
            }
        }
        // The read end is this process's from here on; the write end goes to the child only.
        let reader = ends.map { Descriptor(adopting: $0.read) }
        let writer = ends.map { Descriptor(adopting: $0.write) }
        func redirect(_ target: Output, to fd: Int32) {
            switch target {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case let .file(path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .pipe: if let write = ends?.write { posix_spawn_file_actions_adddup2(&actions, write, fd) }
            case .sameAsOutput: posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, fd)
            }
        }
        redirect(output, to: STDOUT_FILENO)
        redirect(errors, to: STDERR_FILENO)
        for (target, source) in passing.sorted(by: { $0.key < $1.key }) {
            // dup2 clears close-on-exec on the copy, even onto the same number; the source itself stays close-on-exec.
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        var variables = Syscalls.environment()
        for (name, value) in environment { variables[name] = value }
        let arguments = argv.map { strdup($0) } + [nil]
        let environ = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (arguments + environ).forEach { free($0) } }
        // A clean start, as a service manager gives: no signal blocked (a thread of ours may
        // block SIGTERM for its signalfd, and a mask is inherited across exec) and the
        // signals a program expects to stop it at their default action.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        // posix_spawn returns its error number and leaves errno alone; the funnel's errno is
        // only what a mocking script injected.
        var returned: Int32 = 0
        let result = Syscalls.system(.spawn, failed: { $0 != 0 }) { () -> Int32 in
            returned = posix_spawn(&pid, argv[0], &actions, &attributes, arguments, environ)
            return returned
        }
        writer?.close()
        switch result {
        case .success: return ChildProcess(pid: pid, pipe: reader)
        case let .failure(errno):
            reader?.close()
            throw .from(returned != 0 ? Errno(rawValue: returned) : errno, node: argv[0], operation: .spawn, message: "cannot start the program")
        }
    }

    /// Everything the child writes to its standard output until it closes it (`Output.pipe`).
    public func readOutput() -> [UInt8] {
        guard let pipe = pipe.take() else { return [] }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = pipe.withUnsafeDescriptor { fd in chunk.withUnsafeMutableBytes { Syscalls.read(fd, into: $0) } }
            if case .failure(.interrupted) = read { continue }
            guard case let .success(count) = read, count > 0 else { break }
            output += chunk[0..<count]
        }
        return output
    }

    /// Waits for the child to end: its exit code, or 128 plus the signal that ended it, as a
    /// shell reports it.
    @discardableResult
    public func wait() -> Int32 {
        if let status { return status }
        let code = Self.exitCode(Syscalls.waitForChild(pid))
        status = code
        return code
    }

    /// Sends `signal` unless the child has been waited for (its pid may be another's by then).
    public func signal(_ signal: Int32) {
        guard status == nil else { return }
        _ = Syscalls.kill(pid, signal)
    }

    /// SIGTERM, then waits for it; its exit status (as `wait()` reports it).
    @discardableResult
    public func terminate() -> Int32 {
        signal(SIGTERM)
        return wait()
    }

    /// Whether the child has ended, without waiting; reaps it if so.
    public var hasExited: Bool {
        if status != nil { return true }
        guard let raw = Syscalls.pollChild(pid) else { return false }
        status = Self.exitCode(raw)
        return true
    }

    /// A raw wait status as a shell reports it: the exit code (`WEXITSTATUS`), or 128 plus
    /// the signal that ended the child (`WTERMSIG`).
    static func exitCode(_ raw: Int32) -> Int32 {
        raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
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
        let descriptor: Descriptor
        switch Syscalls.open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600) {
        case let .success(opened): descriptor = Descriptor(adopting: opened)
        case let .failure(errno): throw .from(errno, node: file, operation: .open, message: "cannot write the file")
        }
        let bytes = Array(text.utf8)
        if case let .failure(errno) = descriptor.withUnsafeDescriptor({ fd in bytes.withUnsafeBytes { Syscalls.write(fd, $0) } }) {
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
