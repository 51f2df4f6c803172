import HeapwiseCore
import SystemPackage

/// One end of a `SOCK_SEQPACKET` Unix socket: whole messages, each with the descriptors
/// (`SCM_RIGHTS`) that travel with it, and the peer's identity as the kernel recorded it at
/// connect (`SO_PEERCRED`, `SO_PEERGROUPS`), which no message can forge.
public final class UnixConnection: @unchecked Sendable {
    let descriptor: Descriptor

    init(_ descriptor: consuming Descriptor) {
        self.descriptor = descriptor
    }

    /// Connects to the socket at `path` (blocking sends and receives: a client's side).
    public static func connect(to path: String) throws(LinuxError) -> UnixConnection {
        switch Syscalls.connect(path) {
        case let .success(raw): return UnixConnection(Descriptor(adopting: raw))
        case let .failure(errno):
            var error = LinuxError.from(errno, node: path, operation: .connect, message: "cannot connect to the broker")
            switch errno {
            case .noSuchFileOrDirectory, .connectionRefused:
                error.remedy = "no broker is listening at \(path): start it (systemctl enable --now heapwise.socket) or pass --broker PATH"
            case .permissionDenied:
                error.remedy = "this user may not open \(path); the socket is normally 0666 in a 0755 directory"
            default: break
            }
            throw error
        }
    }

    public enum Sent: Equatable, Sendable {
        case sent
        /// The peer is not reading: its receive queue is full (a non-blocking socket only).
        case wouldBlock
    }

    /// Sends one message with `buffers` attached (`SCM_RIGHTS`: the receiver gets its own
    /// descriptors for them); the buffers stay this process's.
    public func send(_ bytes: [UInt8], passing buffers: [DMABuf]) -> Result<Sent, Errno> {
        // The numbers are lent for the one call; `buffers` keeps them open until it returns.
        withExtendedLifetime(buffers) { send(bytes, descriptors: buffers.map { $0.withUnsafeDescriptor { $0 } }) }
    }

    /// Sends one message with `descriptors` attached (lent for the call: the receiver gets
    /// its own; a test sends ones no request should carry).
    public func send(_ bytes: [UInt8], descriptors: [Int32] = []) -> Result<Sent, Errno> {
        let fd = descriptor.withUnsafeDescriptor { $0 }
        while true {
            switch Syscalls.send(fd, bytes, descriptors: descriptors) {
            case .success: return .success(.sent)
            case .failure(.interrupted): continue
            case .failure(.wouldBlock): return .success(.wouldBlock)
            case let .failure(errno): return .failure(errno)
            }
        }
    }

    public enum Received {
        case message(bytes: [UInt8], descriptors: ReceivedDescriptors, truncated: Bool)
        /// Nothing waiting (a non-blocking socket only).
        case wouldBlock
        /// The peer closed its end.
        case closed
    }

    /// Receives one message of at most `maxBytes` (a longer one comes back `truncated`).
    public func receive(maxBytes: Int) -> Result<Received, Errno> {
        let fd = descriptor.withUnsafeDescriptor { $0 }
        while true {
            switch Syscalls.receive(fd, maxBytes: maxBytes) {
            case let .success((bytes, descriptors, truncated)):
                let received = ReceivedDescriptors(descriptors)
                if bytes.isEmpty && descriptors.isEmpty && !truncated { return .success(.closed) }
                return .success(.message(bytes: bytes, descriptors: received, truncated: truncated))
            case .failure(.interrupted): continue
            case .failure(.wouldBlock): return .success(.wouldBlock)
            case .failure(.connectionReset): return .success(.closed)
            case let .failure(errno): return .failure(errno)
            }
        }
    }

    /// Who is on the other end, as the kernel recorded it at connect.
    public struct PeerCredentials: Hashable, Sendable {
        public var pid: ProcessID
        public var uid: UInt32
        public var gid: UInt32
        /// Supplementary groups (`SO_PEERGROUPS`, Linux 4.13 and later; empty before).
        public var groups: [UInt32]
    }

    /// Who is on the other end: pid, uid, gid and supplementary groups, from the kernel.
    public func peer() -> Result<PeerCredentials, Errno> {
        let fd = descriptor.withUnsafeDescriptor { $0 }
        return Syscalls.peerCredentials(fd).flatMap { credentials in
            // SO_PEERGROUPS is 4.13 and later; before, only the primary group is known.
            let groups: [UInt32]
            switch Syscalls.peerGroups(fd) {
            case let .success(found): groups = found
            case .failure(.protocolNotAvailable): groups = []
            case let .failure(errno): return .failure(errno)
            }
            return .success(PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid, groups: groups))
        }
    }
}
