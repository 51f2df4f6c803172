import ArgumentParser
import CHeapwiseAPI
import Heapwise
import HeapwiseCore
import HeapwiseLinux
import HeapwiseLoading

extension Bench {
    struct CAPI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "c-api",
            abstract: "libheapwise's C calls against the same work done in Swift: plan, then allocate.",
            discussion: """
                Loads libheapwise (--library) as a C program would use it, and times, in \
                rounds whose order is shuffled: a batch of plans through heapwise_context_plan, \
                the same batch through HeapwiseContext.plan, and the Swift batch again as the \
                control; then allocations of the pipeline's plan with one image through \
                heapwise_context_allocate against HeapwiseContext.allocate (this machine's \
                heaps, memfd where it has none). Targets: C / Swift ≤ 1.10 for plan and \
                ≤ 1.05 for allocate. Build with -c release (swift build -c release --product \
                heapwise --product HeapwiseC).
                """
        )

        @Option(help: "libheapwise to load (default: libHeapwiseC.so beside this program, as swift build leaves it).")
        var library: String?

        @Option(help: "The pipeline to plan and allocate.")
        var pipeline = "Examples/video-playback.yaml"

        @Option(name: .customLong("profiles"), help: "The profile directory both sides look names up in.")
        var profileDirectory = "Profiles"

        @Option(help: "Timed rounds (each side once per round).")
        var rounds = 200

        @Option(help: "Plans per timed batch.")
        var batch = 20

        func validate() throws {
            guard (1...100_000).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 100000") }
            guard (1...10_000).contains(batch) else { throw ValidationError("--batch must be from 1 to 10000") }
        }

        func run() throws {
            let path = library ?? UserFiles.executable.map { Paths.directory(of: $0) + "/libHeapwiseC.so" } ?? "libheapwise.so.0"
            do {
                let bench = try CAPIBench(library: SharedLibrary(path), pipeline: pipeline, profileDirectory: profileDirectory)
                let plan = try bench.comparePlans(rounds: rounds, batch: batch)
                print("c-api: plan \(pipeline), \(batch) per batch: C \(plan.candidate.median.twoDecimalMicroseconds) µs, Swift \(plan.baseline.median.twoDecimalMicroseconds) µs (median batch); C / Swift \(plan.ratio.twoDecimals) (control \(plan.controlRatio.twoDecimals)), \(plan.pairs) rounds; target ≤ 1.10")
                let (allocate, heap) = try bench.compareAllocations(rounds: rounds)
                print("c-api: allocate one image from \(heap): C \(allocate.candidate.median.twoDecimalMicroseconds) µs, Swift \(allocate.baseline.median.twoDecimalMicroseconds) µs (median); C / Swift \(allocate.ratio.twoDecimals) (control \(allocate.controlRatio.twoDecimals)), \(allocate.pairs) rounds; target ≤ 1.05")
            } catch let failure as HeapwiseFailure {
                printError("heapwise: error: \(failure)")
                throw ExitCode.failure
            } catch {
                printError("heapwise: error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}

/// The two sides of `bench c-api`: libheapwise's functions, found by name in the loaded
/// library with the types heapwise.h declares, and a `HeapwiseContext` with the same options.
private struct CAPIBench {
    typealias ContextNew = @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status
    typealias OptionsNew = @convention(c) () -> OpaquePointer?
    typealias OptionsText = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status
    typealias OptionsBroker = @convention(c) (OpaquePointer?, heapwise_broker, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status
    typealias OptionsHints = @convention(c) (OpaquePointer?, heapwise_hints, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status
    typealias PipelineFromText = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?,
                                                 UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status
    typealias Plan = @convention(c) (OpaquePointer?, OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status
    typealias Allocate = @convention(c) (OpaquePointer?, OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?,
                                         UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status
    typealias Free = @convention(c) (OpaquePointer?) -> Void

    let library: SharedLibrary
    let plan: Plan, allocate: Allocate, freePlan: Free, freeAllocation: Free
    let cContext: OpaquePointer?, cPipeline: OpaquePointer?, cSingle: OpaquePointer?
    let context: HeapwiseContext
    let description: PipelineDescription

    init(library: SharedLibrary, pipeline file: String, profileDirectory: String) throws {
        self.library = library
        plan = try library.function("heapwise_context_plan", as: Plan.self)
        allocate = try library.function("heapwise_context_allocate", as: Allocate.self)
        freePlan = try library.function("heapwise_plan_free", as: Free.self)
        freeAllocation = try library.function("heapwise_allocation_free", as: Free.self)
        let options = try library.function("heapwise_options_new", as: OptionsNew.self)()
        _ = try library.function("heapwise_options_add_profile_directory", as: OptionsText.self)(options, profileDirectory, nil)
        _ = try library.function("heapwise_options_set_hints", as: OptionsHints.self)(options, HEAPWISE_HINTS_NONE, nil, nil)
        _ = try library.function("heapwise_options_set_broker", as: OptionsBroker.self)(options, HEAPWISE_BROKER_NEVER, nil, nil)
        var made: OpaquePointer?
        let status = try library.function("heapwise_context_new", as: ContextNew.self)(options, &made, nil)
        try library.function("heapwise_options_free", as: Free.self)(options)
        guard status == HEAPWISE_OK else { throw ValidationError("heapwise_context_new failed (status \(status.rawValue))") }
        cContext = made

        context = try HeapwiseContext(HeapwiseOptions(profileDirectories: [profileDirectory], hints: .none, broker: .never))
        description = try context.describe(file: file)
        // Both sides plan the same text: the description as a pipeline file's JSON.
        var single = description
        single.count = 1
        let fromText = try library.function("heapwise_pipeline_new_from_text", as: PipelineFromText.self)
        var full: OpaquePointer?, one: OpaquePointer?
        guard fromText(cContext, description.json.serialized(), file, &full, nil) == HEAPWISE_OK,
              fromText(cContext, single.json.serialized(), file, &one, nil) == HEAPWISE_OK
        else { throw ValidationError("heapwise_pipeline_new_from_text refused \(file)") }
        cPipeline = full
        cSingle = one
    }

    /// Batches of plans: C, Swift, and Swift again (the control).
    func comparePlans(rounds: Int, batch: Int) throws -> PairedComparison {
        try Self.interleave(rounds: rounds, seed: 27) {
            for _ in 0..<batch {
                var made: OpaquePointer?
                _ = plan(cContext, cPipeline, &made, nil)
                freePlan(made)
            }
        } swift: {
            for _ in 0..<batch { _ = try context.plan(description) }
        }
    }

    /// One-image allocations of the same plan, made and freed: C, Swift, Swift again.
    func compareAllocations(rounds: Int) throws -> (PairedComparison, heap: String) {
        var single = description
        single.count = 1
        let swiftPlan = try context.plan(single)
        var cPlan: OpaquePointer?
        guard plan(cContext, cSingle, &cPlan, nil) == HEAPWISE_OK else { throw ValidationError("heapwise_context_plan failed") }
        defer { freePlan(cPlan) }
        let heap = try context.allocate(swiftPlan, name: "bench").heap
        let comparison = try Self.interleave(rounds: rounds, seed: 28) {
            var made: OpaquePointer?
            let status = allocate(cContext, cPlan, "bench", &made, nil)
            freeAllocation(made)
            if status != HEAPWISE_OK { throw ValidationError("heapwise_context_allocate failed") }
        } swift: {
            _ = try context.allocate(swiftPlan, name: "bench")
        }
        return (comparison, heap)
    }

    /// Times `c`, `swift`, and `swift` again as the control, once each per round in an order
    /// shuffled by a seeded generator, so no side always runs first (or after the same side).
    static func interleave(rounds: Int, seed: UInt64, c: () throws -> Void, swift: () throws -> Void) throws -> PairedComparison {
        var candidate: [Duration] = [], baseline: [Duration] = [], control: [Duration] = []
        var order = SplitMix64(seed: seed)
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            for side in [0, 1, 2].shuffled(using: &order) {
                switch side {
                case 0: candidate.append(try clock.measure(c))
                case 1: baseline.append(try clock.measure(swift))
                default: control.append(try clock.measure(swift))
                }
            }
        }
        return PairedComparison(candidate: candidate, baseline: baseline, control: control)
    }
}

private extension Duration {
    var twoDecimalMicroseconds: String { microseconds.twoDecimals }
}
