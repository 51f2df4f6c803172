/// What a client asks the broker (`docs/protocol.md`), decoded strictly from a frame.
public enum BrokerRequest: Hashable, Sendable {
    /// The first message of every connection: the protocol version the client speaks.
    case hello(protocol: Int, client: String)
    /// Resolve a pipeline against the broker's heaps and policy; nothing is allocated.
    case plan(PipelineDescription)
    /// Resolve and allocate `pipeline.count` images; the reply carries their fds.
    case allocate(PipelineDescription, name: String?)
    /// Allocate the pipeline of a plan this connection was given (`BrokerPlanReply.plan`):
    /// the same as sending the pipeline again, without sending or decoding its profiles.
    case allocatePlan(plan: UInt32, name: String?)
    /// Hand buffers back to the pool before the broker would notice they are closed. Every
    /// fd and mapping of them must already be gone, in every process.
    case release(inodes: [UInt64])
    /// The caller's holdings and limits (everyone's, for root).
    case stats

    /// Buffers a `release` names at once.
    public static let maxRelease = 1024

    public var kind: BrokerFrame.Kind {
        switch self {
        case .hello: .hello
        case .plan: .plan
        case .allocate, .allocatePlan: .allocate
        case .release: .release
        case .stats: .stats
        }
    }

    /// The request's body. Throws only for a pipeline that still names a profile (look names
    /// up first: the broker takes profiles by value).
    public func json() throws(InputError) -> JSON {
        switch self {
        case let .hello(version, client): .object([("protocol", .int(version)), ("client", .string(client))])
        case let .plan(pipeline): .object([("pipeline", try pipeline.wireJSON())])
        case let .allocate(pipeline, name): .object([("pipeline", try pipeline.wireJSON()), ("name", JSON(name))])
        case let .allocatePlan(plan, name): .object([("plan", .int(Int(plan))), ("name", JSON(name))])
        case let .release(inodes): .object([("inodes", .array(inodes.map { .int(Int(clamping: $0)) }))])
        case .stats: .object([])
        }
    }

    public func frame(requestID: UInt32) throws(InputError) -> BrokerFrame { BrokerFrame(kind, requestID: requestID, json: try json()) }

    public static func decode(_ frame: BrokerFrame) throws(BrokerProtocolError) -> BrokerRequest {
        let fields = try frame.object()
        let request: BrokerRequest
        switch frame.kind {
        case .hello:
            request = .hello(protocol: try fields.int("protocol", in: 0...Int(UInt16.max)), client: try fields.string("client", maxLength: 256))
        case .plan:
            request = .plan(try PipelineDescription.decodeWire(try fields.object("pipeline")))
        case .allocate:
            let pipeline = try fields.optionalObject("pipeline")
            let plan = try fields.optionalInt("plan", in: 0...Int(UInt32.max))
            let name = try fields.optionalString("name", maxLength: BrokerAllocation.maxName)
            switch (pipeline, plan) {
            case let (pipeline?, nil): request = .allocate(try PipelineDescription.decodeWire(pipeline), name: name)
            case let (nil, plan?): request = .allocatePlan(plan: UInt32(plan), name: name)
            default: throw .malformed("allocate takes exactly one of 'pipeline' and 'plan'")
            }
        case .release:
            request = .release(inodes: try fields.array("inodes", maxCount: maxRelease) { (value, path) throws(BrokerProtocolError) in
                try BrokerFields.unsigned(value, path)
            })
        case .stats:
            request = .stats
        default:
            throw .malformed("a client sends requests; kind \(frame.kind.rawValue) is a reply")
        }
        try fields.done()
        return request
    }
}
