import CHeapwiseLinux
import Glibc
import SystemPackage

/// A listening `SOCK_SEQPACKET` Unix socket: bound to a path by the broker itself, or handed
/// over by systemd (socket activation, `sd_listen_fds(3)`: `LISTEN_FDS`, `LISTEN_PID`, the
/// first at fd 3). Non-blocking, for a poll loop.
public final class UnixListener: @unchecked Sendable {
    let descriptor: Descriptor
    public let fd: Int32
    /// The path this process bound, removed again when the listener goes away; nil for a
    /// socket systemd owns.
    public let boundPath: String?

    init(adopting raw: Int32, boundPath: String?) {
        descriptor = Descriptor(adopting: raw)
        fd = raw
        self.boundPath = boundPath
    }

    deinit { if let boundPath { _ = Syscalls.unlink(boundPath) } }

    /// Binds `path` (creating its directory, 0755, when missing) and makes the socket
    /// `mode` (0666: every user may connect; the policy decides what they get). A socket file
    /// left by a broker that died is replaced; one a live broker answers on is not.
    public static func bind(_ path: String, mode: mode_t = 0o666) throws(LinuxError) -> UnixListener {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty, !UserFiles.isDirectory(directory) {
            if case let .failure(errno) = Syscalls.makeDirectory(directory, 0o755), errno != .fileExists {
                throw .from(errno, node: directory, operation: .makeDirectory, message: "cannot create the socket's directory")
            }
        }
        if UserFiles.exists(path) {
            switch Syscalls.connect(path) {
            case let .success(probe):
                _ = Syscalls.close(probe)
                throw LinuxError(code: .failed, node: path, operation: .listen, message: "another broker is already listening here",
                                 remedy: "stop it first (systemctl stop heapwise.socket heapwise.service), or choose another --socket")
            case .failure(.connectionRefused):
                _ = Syscalls.unlink(path)  // left by a broker that is gone
            case let .failure(errno):
                throw .from(errno, node: path, operation: .listen, message: "\(path) exists and is not a socket a broker left")
            }
        }
        let raw: Int32
        switch Syscalls.listen(path, backlog: 128) {
        case let .success(fd): raw = fd
        case let .failure(errno): throw .from(errno, node: path, operation: .listen, message: "cannot listen on the socket")
        }
        let listener = UnixListener(adopting: raw, boundPath: path)
        if case let .failure(errno) = Syscalls.chmod(path, mode) {
            throw .from(errno, node: path, operation: .chmod, message: "cannot make the socket connectable")
        }
        return listener
    }

    /// The socket systemd passed (`LISTEN_FDS=1`, `LISTEN_PID` this process), or nil when
    /// this process was not socket-activated. The variables are checked as `sd_listen_fds`
    /// does, and the descriptor must be a listening `SOCK_SEQPACKET` socket (`ListenSequentialPacket=`).
    public static func fromSystemd(environment: [String: String]) throws(LinuxError) -> UnixListener? {
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else { return nil }
        guard let pid = Int32(pidText), pid == Syscalls.processID else { return nil }
        guard let count = Int(countText), count >= 1 else { return nil }
        guard count == 1 else {
            throw LinuxError(code: .invalidArgument, node: "LISTEN_FDS", operation: .listen, message: "systemd passed \(count) sockets; the broker takes one",
                             remedy: "heapwise.socket lists one ListenSequentialPacket=")
        }
        let fd: Int32 = 3  // SD_LISTEN_FDS_START
        switch Syscalls.isSeqpacketListener(fd) {
        case .success(true): break
        case .success(false):
            throw LinuxError(code: .invalidArgument, node: "fd 3", operation: .listen, message: "the socket systemd passed is not a listening SOCK_SEQPACKET socket",
                             remedy: "use ListenSequentialPacket= in heapwise.socket")
        case let .failure(errno): throw .from(errno, node: "fd 3", operation: .listen, message: "the socket systemd passed cannot be used")
        }
        // Non-blocking and close-on-exec, as a socket bound here is.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return UnixListener(adopting: fd, boundPath: nil)
    }

    /// The next connection waiting, or nil when none is.
    public func accept() -> Result<UnixConnection?, Errno> {
        while true {
            switch Syscalls.accept(fd) {
            case let .success(raw): return .success(UnixConnection(adopting: raw))
            case .failure(.interrupted): continue
            case .failure(.wouldBlock), .failure(.connectionAbort): return .success(nil)
            case let .failure(errno): return .failure(errno)
            }
        }
    }
}

/// SIGTERM, SIGINT and SIGHUP as readable data for a poll loop (`signalfd(2)`): the signals
/// are blocked, so they never interrupt the loop mid-request.
public final class SignalDescriptor: @unchecked Sendable {
    let descriptor: Descriptor
    public let fd: Int32

    public init(_ signals: [Int32]) throws(LinuxError) {
        switch Syscalls.signalDescriptor(signals) {
        case let .success(raw):
            descriptor = Descriptor(adopting: raw)
            fd = raw
        case let .failure(errno): throw .from(errno, node: nil, operation: .signalfd, message: "cannot receive signals")
        }
    }

    /// The next pending signal, or nil.
    public func next() -> Int32? {
        guard case let .success(signal) = Syscalls.readSignal(fd), signal > 0 else { return nil }
        return signal
    }
}

/// `poll(2)` for the broker's loop.
public enum Poll {
    public static func wait(_ descriptors: inout [pollfd], timeoutMilliseconds: Int32) -> Result<Int32, Errno> {
        Syscalls.poll(&descriptors, timeout: timeoutMilliseconds)
    }
}
