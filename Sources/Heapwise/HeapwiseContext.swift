import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux
import HeapwiseLoading

/// Heapwise's front door: describe a pipeline, get its plan, allocate the plan's buffers, lend
/// them through a pool. The CLI (`heapwise plan`), the C library and any Swift program go
/// through here, so every caller finds profiles in the same places, falls back between heaps
/// the same way, and decides between this process and the broker by the same rule.
///
/// ```swift
/// let heapwise = try HeapwiseContext(HeapwiseOptions(profileDirectories: ["Profiles"]))
/// let plan = try heapwise.plan(file: "Examples/video-playback.yaml")
/// let allocation = try heapwise.allocate(plan)
/// ```
///
/// Not thread-safe: use one context per thread (a context holds at most one broker
/// connection, which serves one request at a time).
public final class HeapwiseContext {
    /// Where plans are made and buffers allocated.
    public enum Route: Sendable, Hashable {
        case inProcess
        /// Through the broker at `socket`. `automatic` when `HeapwiseOptions.Broker.automatic`
        /// chose it because this user may open none of this machine's heaps.
        case broker(socket: String, automatic: Bool)
    }

    public let options: HeapwiseOptions
    public let route: Route
    /// The heaps in-process plans are made against, and whether they are this machine's
    /// (only those allocate dma-bufs; otherwise allocations are CPU-only memfd).
    public let catalog: HeapCatalog
    public let catalogIsLive: Bool
    let hints: HeapHints?
    private var client: BrokerClient?

    /// Reads the options' catalog and hints files and decides the route.
    public init(_ options: HeapwiseOptions = HeapwiseOptions()) throws(HeapwiseFailure) {
        self.options = options
        do {
            switch options.hints {
            case .system: hints = try Loader.heapHints(file: nil)
            case let .file(path): hints = try Loader.heapHints(file: path)
            case let .given(given): hints = given
            case .none: hints = nil
            }
            switch options.heaps {
            case .live: (catalog, catalogIsLive) = try Loader.planCatalog(file: nil)
            case let .catalogFile(path): (catalog, catalogIsLive) = try Loader.planCatalog(file: path)
            case let .catalog(given, live): (catalog, catalogIsLive) = (given, live)
            case .builtIn: (catalog, catalogIsLive) = (HeapDiscovery.builtInCatalog(), false)
            }
        } catch {
            throw .input(error)
        }
        switch options.broker {
        case .never: route = .inProcess
        case let .socket(path): route = .broker(socket: path, automatic: false)
        case let .automatic(path):
            route = Self.needsBroker(heaps: options.heaps, socket: path) ? .broker(socket: path, automatic: true) : .inProcess
        }
    }

    /// The automatic rule: this machine has heaps, this user may open none of them, and a
    /// broker listens. A user who may open even one heap allocates itself (the plan's
    /// fallback skips the others), and a plan for another machine never needs the broker.
    static func needsBroker(heaps: HeapwiseOptions.Heaps, socket: String) -> Bool {
        guard case .live = heaps, UserFiles.exists(socket) else { return false }
        let discovered = HeapDiscovery.discover()
        return !discovered.isEmpty && !discovered.contains(where: \.accessible)
    }

    // MARK: Describing and planning

    /// A pipeline file (YAML or JSON) as written; `plan(file:)` does this and plans.
    public func describe(file: String) throws(HeapwiseFailure) -> PipelineDescription {
        do { return try Loader.description(file: file) } catch { throw .input(error) }
    }

    /// A pipeline's text (YAML or JSON, the pipeline file format); `origin` names it in errors.
    public func describe(text: String, origin: String = "pipeline") throws(HeapwiseFailure) -> PipelineDescription {
        do { return try PipelineParser.parse(text, file: origin) } catch { throw .input(error) }
    }

    /// Plans a pipeline file.
    public func plan(file: String) throws(HeapwiseFailure) -> PipelinePlan {
        try plan(try describe(file: file), relativeTo: file)
    }

    /// Plans a pipeline: in this process against `catalog`, or by the broker against its heaps
    /// and policy. A pipeline no plan satisfies is not an error: the plan has no `chosen`, and
    /// says why (`rejected`, `suggestedSize`, `explanation`). Profile names are looked up in
    /// the options' directories, and relative to `file` (the pipeline file it came from).
    public func plan(_ description: PipelineDescription, relativeTo file: String? = nil) throws(HeapwiseFailure) -> PipelinePlan {
        switch route {
        case .inProcess:
            let pipeline: Pipeline
            do {
                pipeline = try Loader.pipeline(description, relativeTo: file, profileDirectories: options.profileDirectories, hints: hints)
            } catch {
                throw .input(error)
            }
            let resolution = Resolver(catalog: catalog).resolve(pipeline)
            var plan = PipelinePlan(resolution)
            plan.madeBy = .thisProcess(resolution, live: catalogIsLive)
            return plan
        case .broker:
            let bound: PipelineDescription
            do {
                bound = try Loader.bindingNames(description, relativeTo: file, profileDirectories: options.profileDirectories)
            } catch {
                throw .input(error)
            }
            do {
                var (plan, number) = try broker().plan(bound)
                plan.madeBy = .broker(number: number, pipeline: bound)
                return plan
            } catch {
                throw .broker(error)
            }
        }
    }

    // MARK: Allocating

    /// Allocates `plan.count` images of the plan's buffers, named `NAME-IMAGE.BUFFER` for
    /// `/proc` and debugfs. In this process, the plan's heap first, then its fallback heaps
    /// when one is out of memory or not ours to open (`failedAttempts` says which, and why);
    /// through the broker when the plan was made there. The buffers arrive zeroed either way.
    public func allocate(_ plan: PipelinePlan, name: String = "heapwise") throws(HeapwiseFailure) -> Allocation {
        guard let chosen = plan.chosen else { throw .noPlan(PlanError(explanation: plan.explanation)) }
        switch plan.madeBy {
        case .thisProcess:
            guard let here = Self.madeHere(plan, chosen) else { throw Self.foreignPlan }
            return try allocateHere(chosen, here.plan, count: plan.count, width: plan.width, height: plan.height, catalog: here.catalog,
                                    live: here.live, name: name)
        case let .broker(number, pipeline):
            return try allocateThroughBroker(chosen, number: number, pipeline: pipeline, name: name)
        case .none:
            throw Self.foreignPlan
        }
    }

    /// The model's plan behind `chosen` and the catalog it was resolved against, for a plan
    /// this process made; nil for one the broker made or one decoded by hand.
    static func madeHere(_ plan: PipelinePlan, _ chosen: PipelinePlan.Choice) -> (plan: Plan, catalog: HeapCatalog, live: Bool)? {
        guard case let .thisProcess(resolution, live) = plan.madeBy, let resolved = plan.resolved(chosen) else { return nil }
        return (resolved, resolution.catalog, live)
    }

    static let foreignPlan = HeapwiseFailure.input(InputError(
        .invalidValue, message: "this plan was not made by a HeapwiseContext (it was decoded or built by hand): plan the pipeline with one first"))

    private func allocateHere(_ chosen: PipelinePlan.Choice, _ plan: Plan, count: Int, width: Int, height: Int, catalog: HeapCatalog, live: Bool,
                              name: String) throws(HeapwiseFailure) -> Allocation {
        let (heaps, allocator) = Self.allocator(for: plan, catalog: catalog, live: live)
        let allocated: AllocatedPlan
        do { allocated = try allocator.allocate(plan.layout, count: count, heaps: heaps, name: name) } catch { throw .kernel(error) }
        var images: [[Allocation.Buffer]] = []
        for (image, buffers) in allocated.images.enumerated() {
            var row: [Allocation.Buffer] = []
            for (index, buffer) in buffers.enumerated() {
                let inode: UInt64
                do { inode = try buffer.inode() } catch { throw .kernel(error) }
                row.append(Allocation.Buffer(image: image, index: index, dmaBuf: buffer, size: buffer.size, inode: inode, heap: allocated.heap.name,
                                             planes: chosen.buffers[index].planes, reused: false))
            }
            images.append(row)
        }
        return Allocation(plan: chosen, width: width, height: height, heap: allocated.heap.name, route: live ? .inProcess : .cpuOnly,
                          failedAttempts: allocated.failedAttempts, images: images)
    }

    private func allocateThroughBroker(_ chosen: PipelinePlan.Choice, number: UInt32?, pipeline: PipelineDescription,
                                       name: String) throws(HeapwiseFailure) -> Allocation {
        do {
            let client = try broker()
            let (reply, dmaBufs) = if let number { try client.allocate(plan: number, name: name) } else { try client.allocate(pipeline, name: name) }
            let count = reply.buffers.map(\.image).max().map { $0 + 1 } ?? 0
            var images = [[Allocation.Buffer]](repeating: [], count: count)
            for (described, dmaBuf) in zip(reply.buffers, dmaBufs) {
                images[described.image].append(Allocation.Buffer(
                    image: described.image, index: described.buffer, dmaBuf: dmaBuf, size: described.size, inode: described.inode,
                    heap: described.heap,
                    planes: described.planes,
                    reused: described.reused))
            }
            for image in images.indices { images[image].sort { $0.index < $1.index } }  // images[i][b] is buffer b
            return Allocation(plan: chosen, width: reply.width, height: reply.height, heap: reply.heap,
                              route: .broker(socket: client.path, uid: client.hello.uid), failedAttempts: [], images: images)
        } catch {
            throw .broker(error)
        }
    }

    // MARK: Pools

    /// A pool lending the plan's images to owners in turn (`ImagePool`): in this process only
    /// (the broker keeps a pool of its own, which its allocations already come from).
    public func pool(for plan: PipelinePlan, idleImages: Int? = nil) throws(HeapwiseFailure) -> ImagePool {
        guard let chosen = plan.chosen else { throw .noPlan(PlanError(explanation: plan.explanation)) }
        if case .broker = plan.madeBy {
            throw .input(InputError(.invalidValue, message: "a pool lends buffers allocated in this process; this plan was made by the broker, whose allocations already come from its own pool"))
        }
        guard let here = Self.madeHere(plan, chosen) else { throw Self.foreignPlan }
        let (heaps, allocator) = Self.allocator(for: here.plan, catalog: here.catalog, live: here.live)
        return ImagePool(plan: chosen, layout: here.plan.layout, heaps: heaps, allocator: allocator, idleImages: idleImages ?? plan.count)
    }

    /// The heaps to walk and how to open them: the plan's heaps of this machine, or CPU-only
    /// memfd when the catalog is not this machine's (nothing else could be allocated).
    static func allocator(for plan: Plan, catalog: HeapCatalog, live: Bool) -> ([Heap], PlanAllocator) {
        live ? (HeapFallback.candidates(for: plan, in: catalog), PlanAllocator())
            : ([Memfd.description], PlanAllocator { _ throws(LinuxError) in Memfd() })
    }

    /// Lends `plan.count` images of a plan made by this context from `pool`, which other
    /// owners share, to `owner`, walking the plan's heaps as `allocate` does: the broker's
    /// path (one pool for every client, an owner per connection). `open` opens a heap's
    /// allocator (the broker keeps each open).
    public func lend(_ plan: PipelinePlan, from pool: BufferPool, owner: PoolOwner, name: String?,
                     opening open: @escaping (Heap) throws(LinuxError) -> BufferAllocator = PlanAllocator.liveAllocator) throws(HeapwiseFailure) -> PooledPlan {
        guard let chosen = plan.chosen else { throw .noPlan(PlanError(explanation: plan.explanation)) }
        guard let here = Self.madeHere(plan, chosen), here.live else {
            throw .input(InputError(.invalidValue, message: "only a plan made in this process against this machine's heaps can be lent from a pool of dma-bufs"))
        }
        do {
            return try PlanAllocator(open: open).acquire(here.plan.layout, count: plan.count, heaps: HeapFallback.candidates(for: here.plan, in: here.catalog),
                                                         from: pool, owner: owner, name: name)
        } catch {
            throw .kernel(error)
        }
    }

    // MARK: The broker

    /// The context's broker connection, made on first use.
    private func broker() throws(BrokerClientError) -> BrokerClient {
        if let client { return client }
        guard case let .broker(socket, _) = route else {
            throw .connection(LinuxError(code: .unsupported, operation: .connect, message: "this context plans in this process (broker: never)"))
        }
        let made = try BrokerClient(socket: socket, client: "libheapwise")
        client = made
        return made
    }
}
