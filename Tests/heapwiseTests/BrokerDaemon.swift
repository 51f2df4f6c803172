import Foundation
import Glibc
import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux
import Testing

/// A `heapwise serve` the test starts itself, in the foreground, and stops by pid (SIGTERM);
/// its log (standard error) goes to a file the test can read.
final class BrokerDaemon {
    let directory: String
    let socket: String
    let policy: String
    let log: String
    let pid: pid_t
    private var stopped = false

    /// Starts the broker with `policy` text; `arguments` are added (`--heaps FILE`), and
    /// `user` runs it through `su` as another user. Waits until the socket answers.
    init(policy text: String, arguments: [String] = [], directory: String? = nil) throws {
        let directory = directory ?? NSTemporaryDirectory() + "heapwise-broker-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        socket = directory + "/heapwise.sock"
        policy = directory + "/policy.yaml"
        log = directory + "/serve.log"
        try text.write(toFile: policy, atomically: false, encoding: .utf8)
        let argv = [try JSONOutputTests.binary(), "serve", "--socket", socket, "--policy", policy, "--log-level", "debug"] + arguments
        pid = try Self.spawn(argv, log: log)
        let deadline = Date().addingTimeInterval(20)
        while !((try? UnixConnection.connect(to: socket)) != nil) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                stopped = true
                throw DaemonError.exited(status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            }
            guard Date() < deadline else { throw DaemonError.neverListened }
            usleep(20_000)
        }
    }

    enum DaemonError: Error { case exited(Int32, String), neverListened }

    static func spawn(_ argv: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        try #require(result == 0, "posix_spawn \(argv[0]): errno \(result)")
        return pid
    }

    /// The broker's open descriptors now (`/proc/PID/fd`).
    var descriptorCount: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(pid, number) }

    /// SIGKILL, as a crash would: no clean-up, the socket file stays.
    func killOutright() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Whether it is still running.
    var isRunning: Bool {
        var status: Int32 = 0
        return !stopped && waitpid(pid, &status, WNOHANG) == 0
    }

    /// SIGTERM, then the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard !stopped else { return -1 }
        stopped = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A raw protocol peer, for sending what a well-behaved client never would.
struct RawBrokerPeer {
    let connection: UnixConnection

    init(_ socket: String) throws { connection = try UnixConnection.connect(to: socket) }

    func send(_ bytes: [UInt8], descriptors: [Int32] = []) throws {
        _ = try connection.send(bytes, descriptors: descriptors).get()
    }

    func request(_ request: BrokerRequest, id: UInt32 = 1) throws { try send(request.frame(requestID: id).bytes) }

    /// The next reply, decoded, or nil when the broker closed the connection.
    func reply() throws -> BrokerFrame? {
        switch try connection.receive(maxBytes: BrokerFrame.maxMessage + 1).get() {
        case let .message(bytes, _, _): return try BrokerFrame.decode(bytes)
        case .closed, .wouldBlock: return nil
        }
    }

    /// The error code of the next reply, or nil.
    func errorCode() throws -> String? {
        guard let frame = try reply(), frame.kind == .error else { return nil }
        return try BrokerProtocolError.from(try frame.object()).code
    }

    func hello() throws {
        try request(.hello(protocol: 1, client: "raw"))
        _ = try reply()
    }
}
