import CHeapwiseLinux
import Glibc
import SystemPackage

// MARK: Unix sockets

/// The calls that move dma-bufs between processes: a descriptor travels as `SCM_RIGHTS` in a
/// `sendmsg`, arrives close-on-exec from `recvmsg`, and the kernel, not the message, says
/// who sent it (`SO_PEERCRED`). Each is one system call in the funnel, named and mockable.
extension Syscalls {
    /// A connected pair of `SOCK_SEQPACKET` Unix sockets (message boundaries kept).
    static func socketPair() -> Result<(Int32, Int32), Errno> {
        var fds: [Int32] = [-1, -1]
        return call(.socketPair) { hw_socketpair(&fds) }.map { _ in (fds[0], fds[1]) }
    }

    /// Sends `bytes` with `descriptors` attached (at most `maxPassedDescriptors`); the
    /// receiver gets its own descriptors for the same open files. Returns the bytes sent.
    static func send(_ socket: Int32, _ bytes: [UInt8], descriptors: [Int32]) -> Result<Int, Errno> {
        system(.sendMessage, [Int(socket), bytes.count, descriptors.count], failed: { $0 < 0 }) {
            bytes.withUnsafeBytes { hw_send_with_fds(socket, $0.baseAddress, $0.count, descriptors, Int32(descriptors.count)) }
        }
    }

    /// Receives one message of at most `maxBytes`, and the descriptors that came with it
    /// (close-on-exec, owned by the caller from here on). `truncated` says the message or its
    /// descriptors did not fit; descriptors past `maxPassedDescriptors` are closed.
    static func receive(_ socket: Int32, maxBytes: Int) -> Result<(bytes: [UInt8], descriptors: [Int32], truncated: Bool), Errno> {
        var bytes = [UInt8](repeating: 0, count: maxBytes)
        var fds = [Int32](repeating: -1, count: maxPassedDescriptors)
        var count: Int32 = 0
        var truncated: Int32 = 0
        return system(.receiveMessage, [Int(socket), maxBytes], failed: { $0 < 0 }) {
            bytes.withUnsafeMutableBytes {
                hw_recv_with_fds(socket, $0.baseAddress, $0.count, &fds, Int32(fds.count), &count, &truncated)
            }
        }.map { received in (Array(bytes.prefix(received)), Array(fds.prefix(Int(count))), truncated != 0) }
    }

    /// Who is on the other end, as the kernel recorded it when the socket was connected.
    static func peerCredentials(_ socket: Int32) -> Result<(pid: Int32, uid: UInt32, gid: UInt32), Errno> {
        var pid: Int32 = 0, uid: UInt32 = 0, gid: UInt32 = 0
        return call(.peerCredentials, [Int(socket)]) { hw_peer_credentials(socket, &pid, &uid, &gid) }.map { _ in (pid, uid, gid) }
    }

    /// The most descriptors one message carries.
    static var maxPassedDescriptors: Int { Int(HW_MAX_PASSED_FDS) }

    /// The peer's supplementary groups (`SO_PEERGROUPS`), as the kernel recorded them.
    static func peerGroups(_ socket: Int32) -> Result<[UInt32], Errno> {
        var groups = [UInt32](repeating: 0, count: 64)
        var count: Int32 = 0
        var result = call(.peerGroups, [Int(socket)]) { hw_peer_groups(socket, &groups, Int32(groups.count), &count) }
        if case .failure(.outOfRange) = result, count > 0 {
            groups = [UInt32](repeating: 0, count: Int(count))
            result = call(.peerGroups, [Int(socket)]) { hw_peer_groups(socket, &groups, Int32(groups.count), &count) }
        }
        return result.map { _ in Array(groups.prefix(Int(count))) }
    }

    /// A non-blocking listening `SOCK_SEQPACKET` socket bound to `path`.
    static func listen(_ path: String, backlog: Int32) -> Result<Int32, Errno> {
        call(.listen) { hw_unix_listen(path, backlog) }
    }

    /// A blocking `SOCK_SEQPACKET` socket connected to `path`.
    static func connect(_ path: String) -> Result<Int32, Errno> {
        call(.connect) { hw_unix_connect(path) }
    }

    /// A non-blocking connection from `listener`'s queue.
    static func accept(_ listener: Int32) -> Result<Int32, Errno> {
        call(.accept, [Int(listener)]) { hw_accept(listener) }
    }

    /// Whether `fd` (from systemd) is a listening `SOCK_SEQPACKET` socket.
    static func isSeqpacketListener(_ fd: Int32) -> Result<Bool, Errno> {
        call(.listen, [Int(fd)]) { hw_is_seqpacket_listener(fd) }.map { $0 == 1 }
    }

    /// `poll(2)` over `descriptors`, waiting at most `timeout` milliseconds (-1: forever);
    /// the number ready. EINTR is returned, for the loop to go round again.
    static func poll(_ descriptors: inout [pollfd], timeout: Int32) -> Result<Int32, Errno> {
        call(.poll) { Glibc.poll(&descriptors, nfds_t(descriptors.count), timeout) }
    }

    /// A signalfd for `signals`, which are blocked for the calling thread.
    static func signalDescriptor(_ signals: [Int32]) -> Result<Int32, Errno> {
        call(.signalfd) { hw_signalfd(signals, Int32(signals.count)) }
    }

    /// The next pending signal of a signalfd, or 0.
    static func readSignal(_ fd: Int32) -> Result<Int32, Errno> {
        call(.readSignal, [Int(fd)]) { hw_read_signal(fd) }
    }

    /// Makes `fd` non-blocking and close-on-exec (`F_SETFL`, `F_SETFD`), as a socket this
    /// process creates is from the start; for one inherited from systemd.
    static func makeNonBlockingCloseOnExec(_ fd: Int32) -> Result<Void, Errno> {
        call(.setDescriptorFlags, [Int(fd)]) { hw_fcntl_int(fd, F_GETFL, 0) }
            .flatMap { flags in call(.setDescriptorFlags, [Int(fd)]) { hw_fcntl_int(fd, F_SETFL, flags | O_NONBLOCK) } }
            .flatMap { _ in call(.setDescriptorFlags, [Int(fd)]) { hw_fcntl_int(fd, F_SETFD, FD_CLOEXEC) } }
            .map { _ in () }
    }

    /// This process's environment (`environ`), as name and value.
    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") { result[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
            pointer += 1
        }
        return result
    }

    /// A pipe whose ends are close-on-exec from the start (`pipe2(O_CLOEXEC)`): (read, write).
    static func pipe() -> Result<(read: Int32, write: Int32), Errno> {
        var fds: [Int32] = [-1, -1]
        return call(.spawn) { hw_pipe_cloexec(&fds) }.map { _ in (fds[0], fds[1]) }
    }

    /// Waits for child `pid` to end (retrying EINTR); its raw wait status.
    static func waitForChild(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while case .failure(.interrupted) = call(.wait, [Int(pid)], { waitpid(pid, &status, 0) }) {}
        return status
    }

    /// The raw wait status of child `pid` if it has ended (reaping it), else nil.
    static func pollChild(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        guard case let .success(reaped) = call(.wait, [Int(pid)], { waitpid(pid, &status, WNOHANG) }), reaped == pid else { return nil }
        return status
    }

    static func kill(_ pid: Int32, _ signal: Int32) -> Result<Void, Errno> {
        call(.signal, [Int(pid), Int(signal)]) { Glibc.kill(pid, signal) }.map { _ in () }
    }

    static func chmod(_ path: String, _ mode: mode_t) -> Result<Void, Errno> {
        call(.chmod) { Glibc.chmod(path, mode) }.map { _ in () }
    }
}
