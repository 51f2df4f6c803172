import ArgumentParser
import Heapwise
import HeapwiseCore

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
    var socket = HeapwiseOptions.defaultSocket

    @OptionGroup var output: OutputOptions

    /// Other forms of the plan for other tools.
    enum Form: String, ExpressibleByArgument, CaseIterable {
        /// GStreamer caps, classic and DMA-DRM (`GStreamerCaps`).
        case gstCaps = "gst-caps"
    }

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Print the chosen plan in another form: gst-caps prints GStreamer caps, classic raw-video caps "
            + "(linear layouts only) then GStreamer 1.24's DMA-DRM caps, one per line.", valueName: "form"))
    var form: Form?

    func validate() throws {
        if form != nil && (allocate || output.json) { throw ValidationError("--as prints the plan in another form: drop --allocate and --json") }
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

    /// The front door's options: the broker always with --broker, when needed for a plain
    /// --allocate (a pool, and a plan for another machine, stay in this process).
    var options: HeapwiseOptions {
        let route: HeapwiseOptions.Broker = broker ? .socket(socket) : allocate && reuse == nil ? .automatic(socket: socket) : .never
        return HeapwiseOptions(profileDirectories: profileDirectories, heaps: heaps.map { .catalogFile($0) } ?? .live,
                               hints: hints.map { .file($0) } ?? .system, broker: route)
    }

    func run() throws {
        let context: HeapwiseContext
        let plan: PipelinePlan
        do {
            context = try HeapwiseContext(options)
            if case let .broker(socket, automatic: true) = context.route {
                printError("heapwise: note: this user may open none of this machine's heaps; allocating through the broker at \(socket)")
            }
            plan = try context.plan(file: pipeline)
        } catch {
            throw fail(error)
        }
        if let form, let chosen = plan.chosen {
            switch form {
            case .gstCaps:
                let caps = GStreamerCaps(chosen, width: plan.width, height: plan.height)
                if let classic = caps.classic {
                    print(classic)
                } else {
                    printError("heapwise: note: classic caps cannot carry \(chosen.format)/\(chosen.modifier); only the DMA-DRM form (GStreamer ≥ 1.24) can")
                }
                print(caps.dmaDRM)
            }
            return
        }
        guard allocate, plan.chosen != nil else {
            // With --as and no plan: the explanation, as text, and exit status 3.
            print(output.json ? document(plan) : plan.text)
            if plan.chosen == nil { throw Exit.unsatisfiable }
            return
        }
        let report: AllocationReport
        let allocation: Allocation
        // A plan made here is printed before the kernel's refusal; the broker's refusal stands alone.
        let printsPlanOnFailure = context.route == .inProcess
        do {
            allocation = try context.allocate(plan)
            report = try AllocationChecks.report(allocation)
        } catch let error as HeapwiseFailure {
            if printsPlanOnFailure { print(output.json ? document(plan) : plan.text) }
            throw fail(error)
        } catch {
            if printsPlanOnFailure { print(output.json ? document(plan) : plan.text) }
            printError("heapwise: error: \(error)")
            throw Exit.allocationFailed
        }
        let verified = !report.rows.contains { !$0.verified }
        var reused: ReuseReport?
        if let reuse, verified {
            do {
                reused = try AllocationChecks.reuse(try context.pool(for: plan), count: plan.count, rounds: reuse)
            } catch {
                print(output.json ? document(plan, allocation: report) : plan.text + "\n\n" + report.text)
                printError("heapwise: error: reusing through a pool: \(error)")
                throw Exit.allocationFailed
            }
        }
        if output.json {
            print(document(plan, allocation: report, reuse: reused))
        } else {
            print(plan.text)
            if case let .broker(socket, uid) = allocation.route {
                print("\nThrough the broker at \(socket) (as uid \(uid)); each buffer arrived zeroed before the pattern was written.")
                print(report.text)
            } else {
                print("\n" + report.text)
            }
            if let reused { print("\n" + reused.text) }
        }
        if !verified || (reused?.unzeroedLeases ?? 0) > 0 { throw Exit.allocationFailed }
    }

    /// Prints the error and picks the exit status by its category (no message matching).
    private func fail(_ error: HeapwiseFailure) -> ExitCode {
        printError("heapwise: error: \(error)")
        switch error.category {
        case .invalidInput: return Exit.invalidInput
        case .unsatisfiable: return Exit.unsatisfiable
        case .allocationFailed: return Exit.allocationFailed
        }
    }

    /// The plan's document with `allocation` (the buffers, or null when none were made) and
    /// `reuse` (the pool's run, or null without `--reuse`).
    private func document(_ plan: PipelinePlan, allocation: AllocationReport? = nil, reuse: ReuseReport? = nil) -> String {
        plan.document(allocation: allocation?.json ?? .null, reuse: reuse?.json ?? .null)
    }
}
