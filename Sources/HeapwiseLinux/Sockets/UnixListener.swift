import HeapwiseCore

import SystemPackage

/// A listening `SOCK_SEQPACKET` Unix socket: bound to a path by the broker itself, or handed
/// over by systemd (`SystemdSocket`). Non-blocking, for a poll loop (`PollSet`).
public final class UnixListener: @unchecked Sendable {
    let descriptor: Descriptor
    /// The path this process bound, removed again when the listener goes away; nil for a
    /// socket systemd owns.
    public let boundPath: String?

    init(_ descriptor: consuming Descriptor, boundPath: String?) {
        self.descriptor = descriptor
        self.boundPath = boundPath
    }

    deinit { if let boundPath { _ = Syscalls.unlink(boundPath) } }

    /// Binds `path` (creating its directory, 0755, when missing) and makes the socket
    /// `mode` (0666: every user may connect; the policy decides what they get). A socket file
    /// left by a broker that died is replaced; one a live broker answers on is not.
    public static func bind(_ path: String, mode: UInt32 = 0o666) throws(LinuxError) -> UnixListener {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !directory.isEmpty, !UserFiles.isDirectory(directory) {
            if case let .failure(errno) = Syscalls.makeDirectory(directory, 0o755), errno != .fileExists {
                throw .from(errno, node: directory, operation: .makeDirectory, message: "cannot create the socket's directory")
            }
        }
        if UserFiles.exists(path) {
            switch Syscalls.connect(path) {
            case let .success(probe):
                Descriptor(adopting: probe).close()
                throw LinuxError(code: .failed, node: path, operation: .listen, message: "another broker is already listening here",
                                 remedy: "stop it first (systemctl stop heapwise.socket heapwise.service), or choose another --socket")
            case .failure(.connectionRefused):
                _ = Syscalls.unlink(path)  // left by a broker that is gone
            case let .failure(errno):
                throw .from(errno, node: path, operation: .listen, message: "\(path) exists and is not a socket a broker left")
            }
        }
        let listener: UnixListener
        switch Syscalls.listen(path, backlog: 128) {
        case let .success(fd): listener = UnixListener(Descriptor(adopting: fd), boundPath: path)
        case let .failure(errno): throw .from(errno, node: path, operation: .listen, message: "cannot listen on the socket")
        }
        if case let .failure(errno) = Syscalls.chmod(path, mode) {
            throw .from(errno, node: path, operation: .chmod, message: "cannot make the socket connectable")
        }
        return listener
    }

    /// The next connection waiting, or nil when none is.
    public func accept() -> Result<UnixConnection?, Errno> {
        while true {
            switch descriptor.withUnsafeDescriptor({ Syscalls.accept($0) }) {
            case let .success(raw): return .success(UnixConnection(Descriptor(adopting: raw)))
            case .failure(.interrupted): continue
            case .failure(.wouldBlock), .failure(.connectionAbort): return .success(nil)
            case let .failure(errno): return .failure(errno)
            }
        }
    }

    /// Lends the listening descriptor to `body` (to pass it to a child, as systemd would),
    /// which must not close or keep it.
    public func withUnsafeDescriptor<R>(_ body: (Int32) throws -> R) rethrows -> R {
        try descriptor.withUnsafeDescriptor(body)
    }
}
