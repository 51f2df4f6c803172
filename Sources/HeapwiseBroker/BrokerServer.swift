import HeapwiseCore
import HeapwiseLinux
import Logging

/// The broker's event loop: one thread, a `PollSet` over the listening socket, a signalfd
/// (SIGTERM and SIGINT stop it, SIGHUP reloads the policy) and every connection. It holds
/// no raw descriptor: each is owned by its listener, connection or signal descriptor, and
/// replies carry their dma-bufs as `DMABuf`s, whose descriptors are lent only to `sendmsg`.
///
/// Why not SwiftNIO: every reply that matters carries dma-buf fds (`SCM_RIGHTS`) and every
/// request is judged by the peer's credentials (`SO_PEERCRED`, `SO_PEERGROUPS`); NIO's Unix
/// channels expose neither, so the broker would bypass its pipeline for the two things it
/// exists for. A single-threaded poll loop over non-blocking `SOCK_SEQPACKET` sockets is
/// small, has no lock, and keeps the pool's and ledger's state in one place.
///
/// Each connection has at most one request in flight: the broker reads the next request
/// only once the reply to the last one is sent. A client that does not read its replies
/// stalls only its own connection (the reply waits, the socket is not read), never the loop.
public final class BrokerServer {
    public struct Options: Sendable {
        public var policyPath: String
        /// Connections at once, in all; more are accepted and closed at once.
        public var maxConnections: Int
        /// Connections at once per uid, so one user cannot take every slot.
        public var maxConnectionsPerUser: Int
        /// How often buffers no process holds any more go back to the pool (while any are out).
        public var reclaimInterval: Duration
        /// False when planning against a catalog file (`serve --heaps`): nothing is allocated.
        public var allocates: Bool
        /// How long a buffer back in the pool waits for a new owner before it is freed.
        public var poolIdleAge: Duration

        public init(policyPath: String, allocates: Bool = true, poolIdleAge: Duration = .seconds(60), maxConnections: Int = 1024,
                    maxConnectionsPerUser: Int = 128, reclaimInterval: Duration = .seconds(2)) {
            self.policyPath = policyPath
            self.allocates = allocates
            self.poolIdleAge = poolIdleAge
            self.maxConnections = maxConnections
            self.maxConnectionsPerUser = maxConnectionsPerUser
            self.reclaimInterval = reclaimInterval
        }
    }

    final class Connection {
        let socket: UnixConnection
        let id: UInt64
        let peer: BrokerPeer
        var greeted = false
        /// The reply waiting for the client to read (one request in flight).
        var pending: (bytes: [UInt8], buffers: [DMABuf], inodes: [UInt64])?
        var closeAfterReply = false

        init(socket: UnixConnection, id: UInt64, peer: BrokerPeer) {
            self.socket = socket
            self.id = id
            self.peer = peer
        }
    }

    let listener: UnixListener
    let signals: SignalDescriptor
    let service: BrokerService
    let options: Options
    let logger: Logger
    /// What the loop polls: the listener, the signals, and each connection by its number.
    enum Source: Hashable {
        case listener, signals, connection(UInt64)
    }
    private let poll = PollSet<Source>()
    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 1
    private let clock = ContinuousClock()
    /// While set, the listener is not polled: `accept` failed for want of descriptors or
    /// memory (EMFILE, ENFILE, ENOMEM), and a listener still readable would wake the loop at
    /// once, forever. Connections wait in the backlog meanwhile.
    private var acceptPausedUntil: ContinuousClock.Instant?
    static let acceptPause = Duration.milliseconds(250)

    /// The signals the loop handles (SIGTERM and SIGINT stop it, SIGHUP reloads the policy),
    /// blocked and read from a signalfd. Make them before the listener: once the socket is
    /// bound a client (or a test) may signal at any moment, and an unblocked SIGHUP's default
    /// action ends the process.
    public static func signals() throws(LinuxError) -> SignalDescriptor {
        try SignalDescriptor([.terminate, .interrupt, .hangUp])
    }

    public init(listener: UnixListener, signals: SignalDescriptor, options: Options, policy: BrokerPolicy, pool: BufferPool, logger: Logger,
                catalog: HeapCatalog?, hints: HeapHints?, reader: DMABufAccounting = DMABufAccounting(sysRoot: nil, passwd: nil)) throws(LinuxError) {
        self.listener = listener
        self.options = options
        self.logger = logger
        self.signals = signals
        let ledger = BrokerLedger(reader: reader, ownPID: CurrentProcess.id)
        service = BrokerService(policy: policy, users: UserDatabase.read(), pool: pool, ledger: ledger, catalog: catalog, hints: hints,
                                allocates: options.allocates, logger: logger)
    }

    /// Loads and checks the policy at `path` (for the first start and for SIGHUP).
    public static func loadPolicy(_ path: String) throws(InputError) -> BrokerPolicy {
        try PolicyLoader.load(path, users: UserDatabase.read())
    }

    /// Connections open now (for tests and the log).
    public var connectionCount: Int { connections.count }
    /// Buffers handed out and not yet back in the pool.
    public var buffersOut: Int { service.ledger.entries.count }

    /// Serves until SIGTERM or SIGINT.
    public func run() {
        logger.info("serving", metadata: ["socket": "\(listener.boundPath ?? "from systemd")", "policy": "\(options.policyPath)",
                                          "rules": "\(service.policy.rules.count)", "heaps": "\(service.catalog?.heaps.map(\.name).joined(separator: ",") ?? "none")"])
        var lastReclaim = clock.now
        poll.register(listener, as: .listener)
        poll.register(signals, as: .signals)
        defer { poll.removeAll() }
        while true {
            for connection in connections.values {
                poll.update(.connection(connection.id), to: connection.pending == nil ? .readable : .writable)
            }
            if let until = acceptPausedUntil, clock.now >= until {
                acceptPausedUntil = nil
                poll.update(.listener, to: .readable)
            }
            // Woken to reclaim while buffers are out, and to free pool buffers past their age,
            // and to poll the listener again after a pause.
            let ticking = !service.ledger.entries.isEmpty || service.pool.idleBuffers > 0
            var timeout: Duration? = ticking ? options.reclaimInterval : nil
            if let until = acceptPausedUntil { timeout = max(.zero, min(timeout ?? Self.acceptPause, until - clock.now)) }
            let ready: [(key: Source, events: PollEvents)]
            switch poll.wait(timeout: timeout) {
            case let .success(found): ready = found
            case let .failure(errno):
                logger.critical("poll failed; stopping", metadata: ["errno": "\(errno)"])
                return
            }
            if ready.contains(where: { $0.key == .signals }) {
                while let signal = signals.next() {
                    if signal == .hangUp { reloadPolicy() } else {
                        logger.info("stopping", metadata: ["signal": "\(signal)", "connections": "\(connections.count)"])
                        connections.removeAll()
                        return
                    }
                }
            }
            for (source, events) in ready {
                guard case let .connection(id) = source, let connection = connections[id] else { continue }
                if events.contains(.writable) { flush(connection) }
                if events.contains(.readable), connections[id] != nil, connection.pending == nil { read(connection) }
                if !events.isDisjoint(with: .hangUp), !events.contains(.readable) { close(connection, reason: "hung up") }
            }
            if ready.contains(where: { $0.key == .listener }) { acceptAll() }
            if ticking, clock.now - lastReclaim >= options.reclaimInterval {
                service.ledger.reclaim()
                _ = service.pool.trim(olderThan: options.poolIdleAge)
                lastReclaim = clock.now
            }
        }
    }

    private func reloadPolicy() {
        do {
            let users = UserDatabase.read()
            let policy = try PolicyLoader.load(options.policyPath, users: users)
            service.replacePolicy(policy, users: users)
            logger.notice("policy reloaded", metadata: ["policy": "\(options.policyPath)", "rules": "\(policy.rules.count)"])
        } catch {
            logger.error("policy reload refused; the previous policy stays", metadata: ["error": "\(error)"])
        }
    }

    private func acceptAll() {
        while true {
            let socket: UnixConnection
            switch listener.accept() {
            case let .success(accepted?): socket = accepted
            case .success(nil): return
            case let .failure(errno):
                // EMFILE and the like: the connection waits in the backlog; stop polling the
                // listener for a moment, so the loop does not spin on it.
                logger.error("accept failed; pausing new connections", metadata: ["errno": "\(errno)", "pause": "\(Self.acceptPause)"])
                acceptPausedUntil = clock.now + Self.acceptPause
                poll.update(.listener, to: [])
                return
            }
            guard case let .success(credentials) = socket.peer() else { continue }
            let peer = service.peer(credentials)
            let sameUser = connections.values.count { $0.peer.uid == peer.uid }
            guard connections.count < options.maxConnections, sameUser < options.maxConnectionsPerUser else {
                logger.warning("connection refused: too many", metadata: ["peer": "\(peer)", "open": "\(connections.count)", "of this user": "\(sameUser)"])
                let error = BrokerProtocolError.refused("too many connections (\(sameUser) of this user, \(connections.count) in all); close some")
                _ = socket.send(BrokerFrame(.error, requestID: 0, json: error.json).bytes)
                continue
            }
            let connection = Connection(socket: socket, id: nextID, peer: peer)
            nextID += 1
            connections[connection.id] = connection
            poll.register(socket, as: .connection(connection.id), for: .readable)
            logger.debug("connected", metadata: ["peer": "\(peer)", "connection": "\(connection.id)"])
        }
    }

    private func read(_ connection: Connection) {
        switch connection.socket.receive(maxBytes: BrokerFrame.maxMessage + 1) {
        case .success(.wouldBlock): return
        case .success(.closed): close(connection, reason: "closed by the client")
        case let .failure(errno): close(connection, reason: "receive failed: \(errno)")
        case let .success(.message(bytes, descriptors, truncated)):
            var requestID: UInt32 = 0
            do throws(BrokerProtocolError) {
                guard descriptors.count == 0 else { throw .malformed("requests carry no descriptors; \(descriptors.count) arrived and were closed") }
                guard !truncated, bytes.count <= BrokerFrame.maxMessage else { throw .malformed("a message over the \(BrokerFrame.maxMessage)-byte maximum") }
                let frame = try BrokerFrame.decode(bytes)
                requestID = frame.requestID
                guard frame.kind.isRequest else { throw .malformed("kind \(frame.kind.rawValue) is a reply; clients send requests") }
                let request = try BrokerRequest.decode(frame)
                if case let .hello(version, client) = request {
                    guard !connection.greeted else { throw .outOfOrder("hello was already sent on this connection") }
                    guard version == Int(BrokerFrame.version) else { throw .unsupportedVersion(UInt16(clamping: version)) }
                    connection.greeted = true
                    logger.debug("hello", metadata: ["peer": "\(connection.peer)", "client": "\(client)"])
                    let hello = BrokerHello(server: "heapwise", pid: connection.peer.pid, uid: connection.peer.uid, gid: connection.peer.gid)
                    send(BrokerFrame(.helloReply, requestID: requestID, json: hello.json), buffers: [], inodes: [], on: connection)
                    return
                }
                guard connection.greeted else { throw .outOfOrder("the first message must be hello") }
                let reply = try service.handle(request, from: connection.peer, connection: connection.id)
                send(BrokerFrame(reply.kind, requestID: requestID, json: reply.json), buffers: reply.buffers, inodes: reply.inodes, on: connection)
            } catch {
                if error.closesConnection {
                    logger.notice("protocol error; closing", metadata: ["peer": "\(connection.peer)", "error": "\(error)"])
                    connection.closeAfterReply = true
                } else {
                    logger.info("request refused", metadata: ["peer": "\(connection.peer)", "error": "\(error)"])
                }
                send(BrokerFrame(.error, requestID: requestID, json: error.json), buffers: [], inodes: [], on: connection)
            }
        }
    }

    private func send(_ frame: BrokerFrame, buffers: [DMABuf], inodes: [UInt64], on connection: Connection) {
        var bytes = frame.bytes
        if bytes.count > BrokerFrame.maxMessage {
            // A reply too large for one packet (a plan with thousands of rejections): say so.
            service.ledger.undeliverable(inodes)
            let error = BrokerProtocolError.refused("the reply would be \(bytes.count) bytes, over the \(BrokerFrame.maxMessage)-byte maximum")
            bytes = BrokerFrame(.error, requestID: frame.requestID, json: error.json).bytes
            connection.pending = (bytes, [], [])
        } else {
            connection.pending = (bytes, buffers, inodes)
        }
        flush(connection)
    }

    private func flush(_ connection: Connection) {
        guard let pending = connection.pending else { return }
        switch connection.socket.send(pending.bytes, passing: pending.buffers) {
        case .success(.sent):
            connection.pending = nil
            service.ledger.delivered(pending.inodes)
            if connection.closeAfterReply { close(connection, reason: "after a protocol error") }
        case .success(.wouldBlock):
            return  // the client is not reading; poll for POLLOUT
        case let .failure(errno):
            close(connection, reason: "send failed: \(errno)")
        }
    }

    private func close(_ connection: Connection, reason: String) {
        if let pending = connection.pending { service.ledger.undeliverable(pending.inodes) }
        connections[connection.id] = nil
        poll.remove(.connection(connection.id))
        service.forget(connection: connection.id)
        logger.debug("disconnected", metadata: ["peer": "\(connection.peer)", "connection": "\(connection.id)", "reason": "\(reason)"])
    }
}
