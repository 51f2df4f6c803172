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
    let process: ChildProcess
    var pid: pid_t { process.pid }

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
        process = try ChildProcess.spawn(argv, output: .file(log), errors: .file(log))
        let deadline = Date().addingTimeInterval(20)
        while !((try? UnixConnection.connect(to: socket)) != nil) {
            if process.hasExited {
                throw DaemonError.exited(process.wait(), (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
            }
            guard Date() < deadline else { throw DaemonError.neverListened }
            usleep(20_000)
        }
    }

    enum DaemonError: Error { case exited(Int32, String), neverListened }

    /// The broker's open descriptors now (`/proc/PID/fd`).
    var descriptorCount: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { process.signal(number) }

    /// SIGKILL, as a crash would: no clean-up, the socket file stays.
    func killOutright() {
        process.signal(SIGKILL)
        process.wait()
    }

    /// Whether it is still running.
    var isRunning: Bool { !process.hasExited }

    /// SIGTERM, then the exit status (0: a clean exit).
    @discardableResult
    func stop() -> Int32 { process.terminate() }

    deinit {
        process.terminate()
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
