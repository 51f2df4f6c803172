/// Socket activation (`sd_listen_fds(3)`): systemd binds the socket (`heapwise.socket`,
/// `ListenSequentialPacket=`) and starts the broker with it at descriptor 3, naming the
/// process it is for in `LISTEN_PID` and the count in `LISTEN_FDS`.
public enum SystemdSocket {
    /// `SD_LISTEN_FDS_START`.
    static let firstDescriptor: Int32 = 3

    /// The listener systemd passed to this process, or nil when it was not socket-activated.
    /// The variables are checked as `sd_listen_fds` does (a `LISTEN_PID` of another process
    /// means the variables were inherited, not meant for us), and the descriptor must be a
    /// listening `SOCK_SEQPACKET` socket; it is made non-blocking and close-on-exec, as a
    /// socket bound here is.
    ///
    /// - Parameter environment: the variables to read; this process's own by default.
    public static func listener(environment: [String: String]? = nil) throws(LinuxError) -> UnixListener? {
        let environment = environment ?? Syscalls.environment()
        guard let pidText = environment["LISTEN_PID"], let countText = environment["LISTEN_FDS"] else { return nil }
        guard let pid = Int32(pidText), pid == Syscalls.processID else { return nil }
        guard let count = Int(countText), count >= 1 else { return nil }
        guard count == 1 else {
            throw LinuxError(code: .invalidArgument, node: "LISTEN_FDS", operation: .listen, message: "systemd passed \(count) sockets; the broker takes one",
                             remedy: "heapwise.socket lists one ListenSequentialPacket=")
        }
        let fd = firstDescriptor
        let node = "fd \(fd)"
        switch Syscalls.isSeqpacketListener(fd) {
        case .success(true): break
        case .success(false):
            throw LinuxError(code: .invalidArgument, node: node, operation: .listen, message: "the socket systemd passed is not a listening SOCK_SEQPACKET socket",
                             remedy: "use ListenSequentialPacket= in heapwise.socket")
        case let .failure(errno): throw .from(errno, node: node, operation: .listen, message: "the socket systemd passed cannot be used")
        }
        let listener = UnixListener(Descriptor(adopting: fd), boundPath: nil)
        if case let .failure(errno) = Syscalls.makeNonBlockingCloseOnExec(fd) {
            throw .from(errno, node: node, operation: .setDescriptorFlags, message: "cannot make the socket systemd passed non-blocking")
        }
        return listener
    }
}
