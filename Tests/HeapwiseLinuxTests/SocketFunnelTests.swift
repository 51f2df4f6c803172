import Glibc
import SystemPackage
import Testing
@testable import HeapwiseLinux

/// The socket calls a broker will pass dma-bufs with: descriptors travel as SCM_RIGHTS and
/// arrive as new descriptors for the same file, the kernel names the peer, and every call can
/// be failed on its own.
@Suite(.serialized) struct SocketFunnelTests {
    /// A connected pair, closed when the test's value goes away.
    struct Pair: ~Copyable {
        let left: Descriptor
        let right: Descriptor
        init() throws {
            let (a, b) = try Syscalls.socketPair().get()
            left = Descriptor(adopting: a)
            right = Descriptor(adopting: b)
        }
    }

    @Test func aBufferSentOverASocketIsTheSameBuffer() throws {
        let before = KernelLab.openDescriptorCount()
        do {
            let sockets = try Pair()
            let buffer = try Memfd().allocate(byteCount: 4096)
            try buffer.withCPUAccess(.write) { $0[0] = 0x5A }
            #expect(try Syscalls.send(sockets.left.rawValue, Array("frame".utf8), descriptors: [buffer.fd]).get() == 5)
            let message = try Syscalls.receive(sockets.right.rawValue, maxBytes: 64).get()
            #expect(String(decoding: message.bytes, as: UTF8.self) == "frame")
            #expect(!message.truncated)
            #expect(message.descriptors.count == 1)
            let received = UniqueDMABuf(adopting: Descriptor(adopting: message.descriptors[0]), size: 4096,
                                        origin: DMABufOrigin("received"), isDMABuf: false)
            #expect(received.fd != buffer.fd)
            #expect(try received.withCPUAccess(.read) { $0[0] } == 0x5A)
            #expect(try received.inode() == buffer.inode(), "the same open file")
            // Received descriptors are close-on-exec (MSG_CMSG_CLOEXEC).
            #expect(fcntl(received.fd, F_GETFD) & FD_CLOEXEC != 0)
        }
        #expect(KernelLab.openDescriptorCount() == before, "sockets, buffers and received descriptors are all closed")
    }

    /// The kernel, not the message, says who is on the other end.
    @Test func peerCredentialsNameThisProcess() throws {
        let sockets = try Pair()
        let peer = try Syscalls.peerCredentials(sockets.left.rawValue).get()
        #expect(peer.pid == getpid())
        #expect(peer.uid == getuid())
        #expect(peer.gid == getgid())
    }

    /// A message longer than the receiver asked for is reported as truncated, not silently cut.
    @Test func oversizedMessagesAreReportedTruncated() throws {
        let sockets = try Pair()
        _ = try Syscalls.send(sockets.left.rawValue, [UInt8](repeating: 7, count: 100), descriptors: []).get()
        let message = try Syscalls.receive(sockets.right.rawValue, maxBytes: 10).get()
        #expect(message.bytes.count == 10)
        #expect(message.truncated)
    }

    @Test func tooManyDescriptorsAreRefusedBeforeTheKernel() throws {
        let sockets = try Pair()
        let many = [Int32](repeating: sockets.left.rawValue, count: Syscalls.maxPassedDescriptors + 1)
        #expect(throws: Errno.invalidArgument) { try Syscalls.send(sockets.left.rawValue, [1], descriptors: many).get() }
    }

    /// Each socket call can be failed alone (a broker's error paths: a client gone, a full
    /// queue), and the failure comes back as the errno.
    @Test func eachSocketCallCanBeFailedAlone() throws {
        let sockets = try Pair()
        let (sent, script) = Mocking.with(rules: [.fail(.sendMessage, with: .resourceTemporarilyUnavailable)]) {
            (Syscalls.send(sockets.left.rawValue, [1], descriptors: []), Syscalls.send(sockets.left.rawValue, [2], descriptors: []))
        }
        #expect(throws: Errno.resourceTemporarilyUnavailable) { try sent.0.get() }
        #expect(try sent.1.get() == 1, "only the first send was failed")
        #expect(script.calls == [.sendMessage, .sendMessage])
        let (received, _) = Mocking.with([.receiveMessage: [.connectionReset]]) { Syscalls.receive(sockets.right.rawValue, maxBytes: 8) }
        #expect(throws: Errno.connectionReset) { try received.get() }
        #expect(try Syscalls.receive(sockets.right.rawValue, maxBytes: 8).get().bytes == [2])
        let (credentials, _) = Mocking.with([.peerCredentials: [.socketNotConnected]]) { Syscalls.peerCredentials(sockets.left.rawValue) }
        #expect(throws: Errno.socketNotConnected) { try credentials.get() }
    }
}
