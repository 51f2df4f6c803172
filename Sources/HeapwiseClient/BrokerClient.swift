import HeapwiseCore
import HeapwiseLinux

/// A connection to the allocation broker (`heapwise serve`): plans and dma-bufs for a
/// program that cannot open the heaps itself. The buffers come back as the same `DMABuf`
/// values in-process allocation gives, each checked against the kernel's fdinfo (a dma-buf,
/// of the inode and size the reply describes) before it is handed over.
///
/// Blocking and one request at a time, as the protocol allows (`docs/protocol.md`); a
/// connection is cheap, so use one per thread.
public final class BrokerClient {
    /// Where the broker listens unless told otherwise.
    public static let defaultSocket = "/run/heapwise/heapwise.sock"

    let connection: UnixConnection
    public let path: String
    /// What the broker said the kernel told it about this process.
    public private(set) var hello: BrokerHello
    private var nextRequest: UInt32 = 1

    /// Connects and says hello; `client` names this program in the broker's log.
    public init(socket path: String = BrokerClient.defaultSocket, client: String = "heapwise") throws(BrokerClientError) {
        self.path = path
        do { connection = try UnixConnection.connect(to: path) } catch { throw .connection(error) }
        hello = BrokerHello(server: "", pid: 0, uid: 0, gid: 0)
        let (frame, _) = try exchange(.hello(protocol: Int(BrokerFrame.version), client: client))
        hello = try Self.decode(frame, as: .helloReply, BrokerHello.decode)
    }

    /// The broker's plan for `pipeline` (nothing is allocated), decoded into the same value
    /// a plan made in this process is, and its number on this connection when satisfiable
    /// (for `allocate(plan:)`). Profile names must have been looked up
    /// (`Loader.bindingNames`): the broker takes profiles by value.
    public func plan(_ pipeline: PipelineDescription) throws(BrokerClientError) -> (plan: PipelinePlan, number: UInt32?) {
        let (frame, _) = try exchange(.plan(pipeline))
        let reply = try Self.decode(frame, as: .planReply, BrokerPlanReply.decode)
        do throws(BrokerProtocolError) {
            let plan = try PipelinePlan.decode(json: reply.resolution, text: reply.text)
            guard (plan.chosen != nil) == reply.satisfiable else {
                throw BrokerProtocolError.malformed("the reply says satisfiable: \(reply.satisfiable), its resolution \(plan.chosen == nil ? "has no" : "has a") chosen plan")
            }
            return (plan, reply.plan)
        } catch {
            throw .protocolError(error)
        }
    }

    /// Allocates `pipeline.count` images; returns the reply's description and one `DMABuf`
    /// per entry of `allocation.buffers`, in the same order.
    public func allocate(_ pipeline: PipelineDescription, name: String? = nil) throws(BrokerClientError) -> (allocation: BrokerAllocation, buffers: [DMABuf]) {
        try receiveBuffers(for: .allocate(pipeline, name: name))
    }

    private func receiveBuffers(for request: BrokerRequest) throws(BrokerClientError) -> (allocation: BrokerAllocation, buffers: [DMABuf]) {
        let (frame, descriptors) = try exchange(request)
        let allocation = try Self.decode(frame, as: .allocateReply, BrokerAllocation.decode)
        guard descriptors.count == allocation.buffers.count else {
            throw .protocolError(.malformed("the reply describes \(allocation.buffers.count) buffers and carries \(descriptors.count) descriptors"))
        }
        var buffers: [DMABuf] = []
        for (index, buffer) in allocation.buffers.enumerated() {
            do {
                buffers.append(try descriptors.dmaBuf(at: index, inode: buffer.inode, size: buffer.size, origin: "broker \(buffer.heap)"))
            } catch {
                throw .protocolError(.malformed("the reply's descriptor \(index): \(error.message)"))
            }
        }
        return (allocation, buffers)
    }

    /// Allocates the pipeline of a plan this connection was given (`BrokerPlanReply.plan`),
    /// without sending its profiles again.
    public func allocate(plan: UInt32, name: String? = nil) throws(BrokerClientError) -> (allocation: BrokerAllocation, buffers: [DMABuf]) {
        try receiveBuffers(for: .allocatePlan(plan: plan, name: name))
    }

    /// Hands buffers back to the pool early: close every fd and mapping of them first.
    public func release(_ inodes: [UInt64]) throws(BrokerClientError) {
        let (frame, _) = try exchange(.release(inodes: inodes))
        _ = try Self.decode(frame, as: .releaseReply) { (fields) throws(BrokerProtocolError) in
            _ = try fields.int("released", in: 0...Int.max)
            try fields.done()
        }
    }

    /// This user's holdings and limits (every user's, for root).
    public func stats() throws(BrokerClientError) -> BrokerHoldings {
        let (frame, _) = try exchange(.stats)
        return try Self.decode(frame, as: .statsReply, BrokerHoldings.decode)
    }

    // MARK: Messages

    private func exchange(_ request: BrokerRequest) throws(BrokerClientError) -> (BrokerFrame, ReceivedDescriptors) {
        let id = nextRequest
        nextRequest &+= 1
        let bytes: [UInt8]
        do { bytes = try request.frame(requestID: id).bytes } catch { throw .request(error) }
        guard bytes.count <= BrokerFrame.maxMessage else {
            throw .protocolError(.malformed("the request is \(bytes.count) bytes, over the \(BrokerFrame.maxMessage)-byte maximum: send fewer or smaller profiles"))
        }
        switch connection.send(bytes) {
        case .success: break
        case let .failure(errno): throw .connection(.from(errno, node: path, operation: .sendMessage, message: "sending to the broker failed"))
        }
        switch connection.receive(maxBytes: BrokerFrame.maxMessage + 1) {
        case let .success(.message(bytes, descriptors, truncated)):
            guard !truncated else { throw .protocolError(.malformed("the broker's reply was cut (over \(BrokerFrame.maxMessage) bytes or too many descriptors)")) }
            let frame: BrokerFrame
            do { frame = try BrokerFrame.decode(bytes) } catch { throw .protocolError(error) }
            guard frame.requestID == id else { throw .protocolError(.malformed("a reply to request \(frame.requestID), not \(id)")) }
            return (frame, descriptors)
        case .success(.closed), .success(.wouldBlock):
            throw .connection(LinuxError(code: .failed, node: path, operation: .receiveMessage, message: "the broker closed the connection"))
        case let .failure(errno):
            throw .connection(.from(errno, node: path, operation: .receiveMessage, message: "receiving from the broker failed"))
        }
    }

    private static func decode<T>(_ frame: BrokerFrame, as kind: BrokerFrame.Kind,
                                  _ body: (BrokerFields) throws(BrokerProtocolError) -> T) throws(BrokerClientError) -> T {
        do {
            let fields = try frame.object()
            if frame.kind == .error { throw BrokerClientError.refused(try BrokerProtocolError.from(fields)) }
            guard frame.kind == kind else { throw BrokerClientError.protocolError(.malformed("a \(frame.kind) reply where \(kind) was expected")) }
            return try body(fields)
        } catch let error as BrokerClientError {
            throw error
        } catch let error as BrokerProtocolError {
            throw .protocolError(error)
        } catch {
            throw .protocolError(.malformed("\(error)"))
        }
    }
}

/// Why a broker request failed. Refusals arrive typed (`refused(.quota(…))`): the broker's
/// error reply carries its code, which the client decodes back into the case.
public enum BrokerClientError: HeapwiseError {
    /// The socket: no broker, no permission, the connection dropped.
    case connection(LinuxError)
    /// The broker answered with an error: refused by policy, over quota, no plan, …
    case refused(BrokerProtocolError)
    /// The broker's reply broke the protocol.
    case protocolError(BrokerProtocolError)
    /// The request could not be written: a pipeline that still names a profile.
    case request(InputError)

    /// 1150 no connection, 1151 a reply out of protocol; a refusal has the refusal's own
    /// number (1100–1149) and a request that could not be written its input error's (100–199).
    public var numericCode: Int32 {
        switch self {
        case .connection: 1150
        case .protocolError: 1151
        case let .refused(refusal): refusal.numericCode
        case let .request(error): error.numericCode
        }
    }

    public var remedy: String? {
        switch self {
        case let .connection(error): error.remedy ?? "start the broker (heapwise serve, or its systemd socket) or pass the socket it listens on"
        default: nil
        }
    }

    public var description: String {
        switch self {
        case let .connection(error): "\(error)"
        case let .refused(error): "the broker refused: \(error.message) (\(error.code))"
        case let .protocolError(error): "broker protocol error: \(error.message)"
        case let .request(error): "\(error)"
        }
    }
}
