import CHeapwiseLinux
import Glibc
import HeapwiseCore
import SystemPackage

/// One end of a `SOCK_SEQPACKET` Unix socket: whole messages, each with the descriptors
/// (`SCM_RIGHTS`) that travel with it, and the peer's identity as the kernel recorded it at
/// connect (`SO_PEERCRED`, `SO_PEERGROUPS`), which no message can forge.
public final class UnixConnection: @unchecked Sendable {
    let descriptor: Descriptor
    /// For `poll`; owned by this object.
    public let fd: Int32

    init(adopting raw: Int32) {
        descriptor = Descriptor(adopting: raw)
        fd = raw
    }

    /// Connects to the socket at `path` (blocking sends and receives: a client's side).
    public static func connect(to path: String) throws(LinuxError) -> UnixConnection {
        switch Syscalls.connect(path) {
        case let .success(raw): return UnixConnection(adopting: raw)
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

    /// Sends one message with `descriptors` attached (the receiver gets its own).
    public func send(_ bytes: [UInt8], descriptors: [Int32] = []) -> Result<Sent, Errno> {
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

    /// Who is on the other end: pid, uid, gid and supplementary groups, from the kernel.
    public func peer() -> Result<(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]), Errno> {
        Syscalls.peerCredentials(fd).flatMap { credentials in
            // SO_PEERGROUPS is 4.13 and later; before, only the primary group is known.
            let groups: [UInt32]
            switch Syscalls.peerGroups(fd) {
            case let .success(found): groups = found
            case .failure(.protocolNotAvailable): groups = []
            case let .failure(errno): return .failure(errno)
            }
            return .success((credentials.pid, credentials.uid, credentials.gid, groups))
        }
    }
}

/// Descriptors that arrived with a message: owned here until taken, and closed when this
/// goes away, so a descriptor a peer sent unasked never leaks into the process.
public final class ReceivedDescriptors: @unchecked Sendable {
    private var raw: [Int32]

    init(_ raw: [Int32]) { self.raw = raw }

    deinit { for fd in raw where fd >= 0 { _ = Syscalls.close(fd) } }

    public var count: Int { raw.count }

    /// Takes descriptor `index` as a dma-buf, checked against what the kernel says of it
    /// (`/proc/self/fdinfo`): it must be a dma-buf of `inode` and `size` bytes, else the
    /// descriptor is closed and the error says what it was.
    public func dmaBuf(at index: Int, inode: UInt64, size: Int, origin: String) throws(LinuxError) -> DMABuf {
        guard raw.indices.contains(index), raw[index] >= 0 else {
            throw LinuxError(code: .failed, node: origin, operation: .receiveMessage, message: "descriptor \(index) did not arrive with the reply")
        }
        let fd = raw[index]
        raw[index] = -1
        let descriptor = Descriptor(adopting: fd)
        let path = "/proc/self/fdinfo/\(fd)"
        guard let text = ProcFiles.read(path, limit: 1 << 16, whole: true) else {
            throw LinuxError(code: .failed, node: path, operation: .read, message: "cannot read the received descriptor's fdinfo")
        }
        guard case let .dmaBuf(info) = ProcText.fdinfo(Array(text.utf8)) else {
            throw LinuxError(code: .failed, node: origin, operation: .receiveMessage, message: "descriptor \(index) of the reply is not a dma-buf")
        }
        let actualInode: UInt64
        switch Syscalls.fstat(fd) {
        case let .success(status): actualInode = UInt64(status.st_ino)
        case let .failure(errno): throw .from(errno, node: origin, operation: .fstat)
        }
        guard actualInode == inode, info.size == size else {
            throw LinuxError(code: .failed, node: origin, operation: .receiveMessage,
                             message: "descriptor \(index) is dma-buf \(actualInode) of \(info.size) bytes; the reply described \(inode) of \(size)")
        }
        return DMABuf(UniqueDMABuf(adopting: descriptor, size: size, origin: DMABufOrigin(origin)))
    }

    /// Takes every descriptor not yet taken, as raw numbers the caller now owns.
    public func takeAll() -> [Int32] {
        let taken = raw.filter { $0 >= 0 }
        raw = []
        return taken
    }
}
