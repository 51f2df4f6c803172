import Heapwise
import HeapwiseCore
import HeapwiseLinux
import Logging

/// What the broker does with one request: policy first (the kernel's word on who is asking),
/// then the plan against this machine's heaps that the caller's rule allows, the quota read
/// from `/proc`, and buffers from the shared pool. Single-threaded: the server's loop calls
/// it for one request at a time.
final class BrokerService {
    /// What a request is answered with: the body, and the fds to attach.
    struct Reply {
        var kind: BrokerFrame.Kind
        var json: JSON
        /// The buffers whose descriptors travel with the reply (`SCM_RIGHTS`).
        var buffers: [DMABuf] = []
        /// The buffers the reply hands out, to mark delivered once it is sent.
        var inodes: [UInt64] = []
    }

    private(set) var policy: BrokerPolicy
    private(set) var users: UserDatabase
    let pool: BufferPool
    let ledger: BrokerLedger
    let logger: Logger
    /// This machine's heaps, read at start; nil when it has none.
    let catalog: HeapCatalog?
    let hints: HeapHints?
    /// False when the catalog is a file (planning only).
    let allocates: Bool
    private var allocators: [String: BufferAllocator] = [:]
    private var limiter = RateLimiter()
    /// Resolutions by pipeline and allowed heaps: a client asks for the same buffers again
    /// and again, and parsing its profiles, probing live devices and resolving is most of a
    /// request's time. Kept `resolutionLifetime` (devices can come and go), cleared with the policy.
    private var resolutions: [ResolutionKey: (plan: PipelinePlan, context: HeapwiseContext, at: ContinuousClock.Instant)] = [:]
    /// The front door for each set of heaps a rule allows: plans against those heaps only,
    /// in this process (the broker is the process that may open them).
    private var contexts: [[String]: HeapwiseContext] = [:]
    static let resolutionLifetime = Duration.seconds(10)
    static let maxResolutions = 128
    /// Satisfiable plans by connection and number, for `allocate {"plan": N}`. A plan names its
    /// pipeline, not its buffers: allocating it resolves again under the policy of that moment
    /// (from the cache while fresh), so a plan cannot outlive a policy reload's refusal.
    private var plans: [UInt64: (next: UInt32, pipelines: [UInt32: PipelineDescription])] = [:]
    /// Plans a connection keeps; a newer one replaces the oldest.
    static let maxPlansPerConnection = 16

    /// A pipeline from the wire holds profiles as text and live devices by name, so equal
    /// requests are equal keys before anything is parsed or probed.
    struct ResolutionKey: Hashable {
        var pipeline: PipelineDescription
        var heaps: [String]
    }

    init(policy: BrokerPolicy, users: UserDatabase, pool: BufferPool, ledger: BrokerLedger, catalog: HeapCatalog?,
         hints: HeapHints?, allocates: Bool, logger: Logger) {
        self.allocates = allocates
        self.policy = policy
        self.users = users
        self.pool = pool
        self.ledger = ledger
        self.catalog = catalog
        self.hints = hints
        self.logger = logger
    }

    func replacePolicy(_ policy: BrokerPolicy, users: UserDatabase) {
        self.policy = policy
        self.users = users
        resolutions.removeAll()
        contexts.removeAll()
    }

    func peer(_ credentials: UnixConnection.PeerCredentials) -> BrokerPeer {
        users.peer(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid, groups: credentials.groups)
    }

    // MARK: Requests

    func handle(_ request: BrokerRequest, from peer: BrokerPeer, connection: UInt64) throws(BrokerProtocolError) -> Reply {
        switch request {
        case .hello:
            throw .outOfOrder("hello is the first message only")
        case let .plan(pipeline):
            let rule = try admit(peer)
            let (plan, _) = try resolve(pipeline, rule: rule, peer: peer)
            let number = plan.chosen == nil ? nil : remember(pipeline, connection: connection)
            let reply = BrokerPlanReply(resolution: plan.json.serialized(indent: nil), text: plan.text,
                                        satisfiable: plan.chosen != nil, plan: number)
            return Reply(kind: .planReply, json: reply.json)
        case let .allocate(pipeline, name):
            let rule = try admit(peer)
            return try allocate(pipeline, name: name, rule: rule, peer: peer, connection: connection)
        case let .allocatePlan(number, name):
            let rule = try admit(peer)
            guard let pipeline = plans[connection]?.pipelines[number] else {
                throw .invalidPipeline("plan \(number) is not one this connection was given (a connection keeps its last \(Self.maxPlansPerConnection) satisfiable plans, until it closes): send plan again, or the pipeline")
            }
            return try allocate(pipeline, name: name, rule: rule, peer: peer, connection: connection)
        case let .release(inodes):
            _ = try admit(peer)
            return try release(inodes, peer: peer)
        case .stats:
            // Open to every user (so one without a rule sees that it holds nothing), but each
            // answer reads /proc, so it is rate-limited too: by the rule, else 10 a second.
            let rate = policy.rule(for: peer)?.requestsPerSecond ?? 10
            guard limiter.allow(peer.uid, perSecond: rate) else {
                throw .rateLimited("more than \(rate) requests per second for uid \(peer.uid); slow down")
            }
            return Reply(kind: .statsReply, json: stats(for: peer).json)
        }
    }

    private func remember(_ pipeline: PipelineDescription, connection: UInt64) -> UInt32 {
        var entry = plans[connection] ?? (next: 1, pipelines: [:])
        let number = entry.next
        entry.next &+= 1
        entry.pipelines[number] = pipeline
        if entry.pipelines.count > Self.maxPlansPerConnection, let oldest = entry.pipelines.keys.min() {
            entry.pipelines[oldest] = nil
        }
        plans[connection] = entry
        return number
    }

    /// A connection closed: its plans go with it.
    func forget(connection: UInt64) { plans[connection] = nil }

    /// The caller's rule, or a refusal naming the policy; and the rule's request rate.
    private func admit(_ peer: BrokerPeer) throws(BrokerProtocolError) -> BrokerPolicy.Rule {
        guard let rule = policy.rule(for: peer) else {
            let groups = peer.groupNames.isEmpty ? "no named groups" : "groups " + peer.groupNames.joined(separator: ", ")
            throw .refused("no rule of \(policy.origin) matches uid \(peer.uid)\(peer.user.map { " (\($0))" } ?? "") with \(groups): ask the administrator to add one")
        }
        guard limiter.allow(peer.uid, perSecond: rule.requestsPerSecond) else {
            throw .rateLimited("more than \(rule.requestsPerSecond) requests per second for uid \(peer.uid) (\(rule.label)); slow down")
        }
        return rule
    }

    /// The heaps the rule allows, and the pipeline planned against them through the front
    /// door: the client's profiles by value, live devices probed with the broker's access,
    /// heap hints, the resolver.
    private func resolve(_ pipeline: PipelineDescription, rule: BrokerPolicy.Rule, peer: BrokerPeer) throws(BrokerProtocolError) -> (PipelinePlan, HeapwiseContext) {
        guard let catalog else { throw .allocationFailed("this machine has no dma-buf heaps (/dev/dma_heap is empty or missing)") }
        let allowed = HeapCatalog(heaps: catalog.heaps.filter(rule.allows), origin: catalog.origin)
        guard !allowed.heaps.isEmpty else {
            throw .refused("\(rule.label) allows heaps \(rule.heaps?.joined(separator: ", ") ?? "all"); this machine has \(catalog.heaps.map(\.name).joined(separator: ", "))")
        }
        let key = ResolutionKey(pipeline: pipeline, heaps: allowed.heaps.map(\.name))
        let now = ContinuousClock.now
        if let cached = resolutions[key], now - cached.at < Self.resolutionLifetime { return (cached.plan, cached.context) }
        let plan: PipelinePlan
        let context: HeapwiseContext
        do {
            context = try contexts[key.heaps] ?? HeapwiseContext(HeapwiseOptions(
                heaps: .catalog(allowed, live: allocates), hints: hints.map { .given($0) } ?? .none, broker: .never))
            contexts[key.heaps] = context
            plan = try context.plan(pipeline)
        } catch {
            throw .invalidPipeline("\(error)")
        }
        if resolutions.count >= Self.maxResolutions { resolutions.removeAll() }
        resolutions[key] = (plan, context, now)
        return (plan, context)
    }

    private func allocate(_ request: PipelineDescription, name: String?, rule: BrokerPolicy.Rule, peer: BrokerPeer,
                          connection: UInt64) throws(BrokerProtocolError) -> Reply {
        guard allocates else { throw .allocationFailed("this broker plans against a heap catalog file (serve --heaps) and allocates nothing") }
        let (plan, context) = try resolve(request, rule: rule, peer: peer)
        guard let chosen = plan.chosen else { throw .unsatisfiable(plan.text) }
        let count = request.count
        let perImage = chosen.buffers
        let buffers = count * perImage.count
        guard buffers <= BrokerAllocation.maxDescriptors else {
            throw .refused("\(count) images of \(perImage.count) dma-buf\(perImage.count == 1 ? "" : "s") each are \(buffers) descriptors; one reply carries at most \(BrokerAllocation.maxDescriptors): ask for fewer images at a time")
        }
        if let largest = perImage.map(\.size).max(), largest > rule.maxBufferSize {
            throw .quota("a buffer of \(ByteCount.format(largest)) is over the \(ByteCount.format(rule.maxBufferSize)) max_buffer_size of \(rule.label)")
        }
        let bytes = count * perImage.reduce(0) { $0 + BufferPool.pageRounded($1.size) }
        try checkQuota(uid: peer.uid, buffers: buffers, bytes: bytes, rule: rule)

        let lent: PooledPlan
        do {
            lent = try context.lend(plan, from: pool, owner: PoolOwner(connection), name: name ?? "heapwise", opening: allocator(for:))
        } catch {
            throw .allocationFailed(error.description)
        }
        var allocation = BrokerAllocation(format: chosen.format, fourcc: chosen.fourcc.rawValue, modifier: chosen.modifierValue,
                                          width: request.width, height: request.height, heap: lent.heap.name, buffers: [])
        var dmaBufs: [DMABuf] = []
        for (image, leases) in lent.images.enumerated() {
            for (index, lease) in leases.enumerated() {
                allocation.buffers.append(.init(
                    image: image, buffer: index, inode: lease.inode, size: lease.size, heap: lent.heap.name,
                    name: BufferName.make(name ?? "heapwise", image: image, buffer: index), reused: lease.reused,
                    planes: perImage[index].planes))
                dmaBufs.append(lease.buffer)
                ledger.add(lease, uid: peer.uid, connection: connection, undelivered: true)
            }
        }
        logger.info("allocated", metadata: ["peer": "\(peer)", "heap": "\(lent.heap.name)", "format": "\(chosen.format)",
                                            "buffers": "\(buffers)", "bytes": "\(bytes)"])
        let inodes = lent.images.joined().map(\.inode)
        return Reply(kind: .allocateReply, json: allocation.json, buffers: dmaBufs, inodes: inodes)
    }

    /// The allocator of a heap, opened once and kept: the broker allocates from the same few
    /// heaps for its whole life.
    private func allocator(for heap: Heap) throws(LinuxError) -> BufferAllocator {
        if let open = allocators[heap.name] { return open }
        let opened = try PlanAllocator.liveAllocator(for: heap)
        allocators[heap.name] = opened
        return opened
    }

    /// Within the rule's limits by the ledger's upper bound, or after reading `/proc` to
    /// give back what no process holds any more; else refused with the numbers.
    private func checkQuota(uid: UInt32, buffers: Int, bytes: Int, rule: BrokerPolicy.Rule) throws(BrokerProtocolError) {
        func fits(_ held: (buffers: Int, bytes: Int)) -> Bool {
            held.buffers + buffers <= rule.maxBuffers && held.bytes + bytes <= rule.maxBytes
        }
        if fits(ledger.holdings(of: uid)) { return }
        ledger.reclaim()
        let held = ledger.holdings(of: uid)
        guard fits(held) else {
            throw .quota("uid \(uid) holds \(held.buffers) buffer\(held.buffers == 1 ? "" : "s") (\(ByteCount.format(held.bytes))) of the \(rule.maxBuffers) buffers and \(ByteCount.format(rule.maxBytes)) that \(rule.label) allows; this request needs \(buffers) more (\(ByteCount.format(bytes))): close buffers no longer used")
        }
    }

    /// Gives buffers back to the pool early; each must be the caller's and held by no process.
    /// One the broker no longer holds (taken back already, after its fds closed) is skipped:
    /// releasing it has nothing left to do, and saying so is no secret.
    private func release(_ inodes: [UInt64], peer: BrokerPeer) throws(BrokerProtocolError) -> Reply {
        var mine: Set<UInt64> = []
        for inode in inodes {
            guard let entry = ledger.entries[inode] else { continue }
            guard peer.uid == 0 || entry.uid == peer.uid else {
                throw .refused("buffer \(inode) is not one the broker handed to uid \(peer.uid)")
            }
            mine.insert(inode)
        }
        let stillHeld = mine.isEmpty ? [:] : ledger.reclaim(only: mine)
        guard stillHeld.isEmpty else {
            let list = stillHeld.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) reference\($0.value == 1 ? "" : "s"))" }
            throw .refused("still held, so not released: \(list.joined(separator: ", ")); close every fd and unmap every mapping of them (in every process) first")
        }
        return Reply(kind: .releaseReply, json: .object([("released", .int(mine.count))]))
    }

    /// The caller's holdings (everyone's for root), exact as of a fresh read of `/proc`.
    func stats(for peer: BrokerPeer) -> BrokerHoldings {
        ledger.reclaim()
        let rule = policy.rule(for: peer)
        let uids = peer.uid == 0 ? ledger.holders.keys.sorted() : [peer.uid]
        let holders = uids.map { uid -> BrokerHoldings.Holder in
            let held = ledger.holdings(of: uid)
            let holderRule = uid == peer.uid ? rule : policy.rule(for: BrokerPeer(pid: 0, uid: uid, gid: uid, user: users.users[uid]))
            return .init(uid: uid, user: users.users[uid], buffers: held.buffers, bytes: held.bytes,
                         maxBuffers: holderRule?.maxBuffers, maxBytes: holderRule?.maxBytes)
        }
        let pool = peer.uid == 0 ? self.pool.statistics() : nil
        return BrokerHoldings(holders: holders, idleBuffers: pool?.idleBuffers ?? 0, idleBytes: pool?.idleBytes ?? 0)
    }
}
