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
}
