import ArgumentParser
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
            Exit status: 0 a plan was found (and allocated, with --allocate), 2 invalid input, 3 no plan \
            satisfies the pipeline, 4 the kernel could not allocate the plan.
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

    @OptionGroup var output: OutputOptions

    func validate() throws {
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

    /// The resolution's document with `allocation` (the buffers, or null when none were made)
    /// and `reuse` (the pool's run, or null without `--reuse`).
    private func json(_ resolution: Resolution, allocation: AllocationReport?, reuse: ReuseReport?) -> String {
        guard case let .object(fields) = resolution.json else { return resolution.json.serialized() }
        return JSON.object(fields + [("allocation", allocation?.json ?? .null), ("reuse", reuse?.json ?? .null)]).serialized()
    }
}
