import ArgumentParser
import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux
import HeapwiseLoading

/// `heapwise plan`. Named `PlanCommand` so it never shadows HeapwiseCore's `Plan`.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Resolve a pipeline: pick format, modifier, layout and heap, and explain every rejection.",
        discussion: """
            Heaps come from --heaps FILE, else from this machine's /dev/dma_heap, else from the built-in \
            catalog of a typical board; the output says which.
            With --broker the plan is made, and the buffers allocated, by the allocation broker (heapwise \
            serve) under its policy; --allocate uses the broker by itself, and says so, when this machine's \
            heaps exist but this user may open none of them and --socket exists.
            Exit status: 0 a plan was found (and allocated, with --allocate), 2 invalid input, 3 no plan \
            satisfies the pipeline, 4 the kernel could not allocate the plan, or the broker refused.
            """
    )

    @Argument(help: "The pipeline file (YAML, or JSON).")
    var pipeline: String

    @Option(help: "A heap catalog file (YAML) to plan against instead of this machine's heaps.")
    var heaps: String?

    @Option(name: .customLong("profiles"), help: "A directory of device profiles (repeatable).")
    var profileDirectories: [String] = []

    @Option(help: "A heap hints file (YAML): preferred heaps per device; default /etc/heapwise/heap-hints.yaml if present.")
    var hints: String?

    @Flag(help: "Allocate the chosen plan's buffers, write and verify a test pattern, and list them.")
    var allocate = false

    @Option(help: ArgumentHelp("With --allocate: then release and re-acquire the images N times through a buffer pool, "
        + "owners alternating, and print the pool's statistics.", valueName: "N"))
    var reuse: Int?

    @Flag(help: "Plan (and with --allocate, allocate) through the allocation broker instead of opening the heaps.")
    var broker = false

    @Option(help: "The broker's socket.")
    var socket = BrokerClient.defaultSocket

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if broker && heaps != nil { throw ValidationError("--broker plans against the broker's heaps; it cannot be combined with --heaps") }
        if broker && reuse != nil { throw ValidationError("--reuse runs a pool in this process; the broker keeps its own: drop --reuse or --broker") }
        if allocate && heaps != nil {
            throw ValidationError("--allocate allocates from this machine's heaps; it cannot be combined with --heaps")
        }
        if let reuse {
            guard allocate else { throw ValidationError("--reuse reuses allocated buffers: add --allocate") }
            guard (1...Self.maxReuse).contains(reuse) else { throw ValidationError("--reuse takes 1 to \(Self.maxReuse) rounds, got \(reuse)") }
        }
    }

    static let maxReuse = 100_000

    func run() throws {
        if broker { return try runThroughBroker() }
        if allocate, heaps == nil, reuse == nil, UserFiles.exists(socket) {
            let discovered = HeapDiscovery.discover()
            if !discovered.isEmpty, !discovered.contains(where: \.accessible) {
                printError("heapwise: note: this user may open none of this machine's heaps; allocating through the broker at \(socket)")
                return try runThroughBroker()
            }
        }
        let resolution: Resolution
        let live: Bool
        do {
            let pipeline = try Loader.pipeline(self.pipeline, profileDirectories: profileDirectories, hints: Loader.heapHints(file: hints))
            let heapSource = try Loader.planCatalog(file: heaps)
            live = heapSource.live
            resolution = Resolver(catalog: heapSource.catalog).resolve(pipeline)
        } catch {
            throw reportInvalidInput(error)
        }
        guard allocate, let chosen = resolution.chosen else {
            print(output.json ? json(resolution, allocation: nil, reuse: nil) : resolution.text())
            if resolution.chosen == nil { throw Exit.unsatisfiable }
            return
        }
        let allocation: PlanAllocation
        do {
            allocation = try PlanAllocation.run(chosen, count: resolution.pipeline.count, catalog: resolution.catalog, live: live)
        } catch {
            print(output.json ? json(resolution, allocation: nil, reuse: nil) : resolution.text())
            printError("heapwise: error: \(error)")
            throw Exit.allocationFailed
        }
        let verified = !allocation.rows.contains { !$0.verified }
        var reused: ReuseReport?
        if let reuse, verified {
            do {
                let run = try PlanReuse.run(chosen, count: resolution.pipeline.count, catalog: resolution.catalog, live: live, rounds: reuse)
                reused = ReuseReport(heap: run.heap.name, rounds: reuse, leases: run.leases, unzeroedLeases: run.unzeroedLeases, statistics: run.statistics)
            } catch {
                print(output.json ? json(resolution, allocation: allocation.report, reuse: nil) : resolution.text() + "\n\n" + allocation.report.text)
                printError("heapwise: error: reusing through a pool: \(error)")
                throw Exit.allocationFailed
            }
        }
        if output.json {
            print(json(resolution, allocation: allocation.report, reuse: reused))
        } else {
            print(resolution.text())
            print("\n" + allocation.report.text)
            if let reused { print("\n" + reused.text) }
        }
        if !verified || (reused?.unzeroedLeases ?? 0) > 0 { throw Exit.allocationFailed }
    }

    /// The plan and buffers from the broker: its text, or the same JSON document as a local
    /// plan (the resolution as the broker made it, with this process's `allocation`).
    private func runThroughBroker() throws {
        let pipeline: BrokerPipeline
        do {
            pipeline = try Loader.brokerPipeline(self.pipeline, profileDirectories: profileDirectories)
        } catch {
            throw reportInvalidInput(error)
        }
        do {
            let client = try BrokerClient(socket: socket, client: "heapwise plan")
            let plan = try client.plan(pipeline)
            guard allocate, plan.satisfiable else {
                print(output.json ? try brokerJSON(plan, allocation: nil) : plan.text)
                if !plan.satisfiable { throw Exit.unsatisfiable }
                return
            }
            let (allocation, buffers) = try client.allocate(pipeline, name: "heapwise")
            let report = try PlanAllocation.report(received: buffers, allocation: allocation)
            if output.json {
                print(try brokerJSON(plan, allocation: report))
            } else {
                print(plan.text)
                print("\nThrough the broker at \(socket) (as uid \(client.hello.uid)); each buffer arrived zeroed before the pattern was written.")
                print(report.text)
            }
            if report.rows.contains(where: { !$0.verified }) { throw Exit.allocationFailed }
        } catch let error as BrokerClientError {
            printError("heapwise: error: \(error)")
            if case let .refused(refusal) = error, refusal.code == "unsatisfiable" { throw Exit.unsatisfiable }
            if case let .refused(refusal) = error, refusal.code == "invalid_pipeline" { throw Exit.invalidInput }
            throw Exit.allocationFailed
        } catch let error as LinuxError {
            printError("heapwise: error: \(error)")
            throw Exit.allocationFailed
        }
    }

    private func brokerJSON(_ plan: BrokerPlanReply, allocation: AllocationReport?) throws -> String {
        guard case let .object(fields) = JSON(try StrictJSON.parse(plan.resolution)) else { return plan.resolution }
        return JSON.object(fields + [("allocation", allocation?.json ?? .null), ("reuse", .null)]).serialized()
    }

    /// The resolution's document with `allocation` (the buffers, or null when none were made)
    /// and `reuse` (the pool's run, or null without `--reuse`).
    private func json(_ resolution: Resolution, allocation: AllocationReport?, reuse: ReuseReport?) -> String {
        guard case let .object(fields) = resolution.json else { return resolution.json.serialized() }
        return JSON.object(fields + [("allocation", allocation?.json ?? .null), ("reuse", reuse?.json ?? .null)]).serialized()
    }
}
