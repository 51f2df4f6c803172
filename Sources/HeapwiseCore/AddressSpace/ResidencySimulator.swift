/// A deterministic simulation of clients sharing one device address space, frame after
/// frame: each client submits work referencing its whole working set, the work runs for a
/// few steps, completes, and the client submits again. Which client moves next is drawn
/// from a seeded generator, so every seed is one reproducible interleaving.
///
/// Two ways to bind:
/// - `.batched`: `ResidencyScheduler` (all of a submission or nothing, arrival order);
/// - `.incremental`: each client maps its buffers one at a time and keeps (pins) what it has
///   mapped while it waits for room for the rest, as a driver binding buffer by buffer does.
///
/// When every client's working set is more than half the space, incremental binding can
/// leave each client holding part of the space and waiting for the other's: no move is
/// possible, and the run reports a deadlock. Batched binding never does.
public struct ResidencySimulator: Sendable {
    public enum Binding: String, Hashable, Sendable { case batched, incremental }

    public struct Configuration: Hashable, Sendable {
        public var space: DeviceAddressSpace
        /// Each client's buffers (its working set), every frame's submission references all.
        public var workingSets: [[MappableBuffer]]
        public var frames: Int
        /// Steps a submission runs once bound.
        public var executionSteps: Int
        public var binding: Binding

        public init(space: DeviceAddressSpace, workingSets: [[MappableBuffer]], frames: Int, executionSteps: Int = 2, binding: Binding) {
            self.space = space
            self.workingSets = workingSets
            self.frames = frames
            self.executionSteps = executionSteps
            self.binding = binding
        }
    }

    public struct Outcome: Hashable, Sendable {
        public var completed: Int
        public var expected: Int
        public var deadlocked: Bool
        public var steps: Int
        /// The most submissions bound between one submission's arrival and its own bind.
        public var maxOvertaken: Int
        public var evictions: Int
        public var peakMapped: UInt64
        public var binds: Int
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    enum State: Equatable {
        case idle
        case waiting(UInt64)
        case running(UInt64, stepsLeft: Int)
        case done
    }

    public func run(seed: UInt64) throws(ResidencyError) -> Outcome {
        switch configuration.binding {
        case .batched: try runBatched(seed: seed)
        case .incremental: runIncremental(seed: seed)
        }
    }

    private func submission(client: Int, frame: Int) -> Submission {
        Submission(id: UInt64(client) << 32 | UInt64(frame), client: client, buffers: configuration.workingSets[client])
    }

    private func runBatched(seed: UInt64) throws(ResidencyError) -> Outcome {
        let clients = configuration.workingSets.count
        var scheduler = ResidencyScheduler(configuration.space)
        var states = Array(repeating: State.idle, count: clients)
        var frames = Array(repeating: 0, count: clients)
        var random = SplitMix64(seed: seed)
        var completed = 0, steps = 0, binds = 0
        while true {
            let movable = states.indices.filter { if case .idle = states[$0] { true } else if case .running = states[$0] { true } else { false } }
            guard !movable.isEmpty else { break }
            steps += 1
            let client = movable[Int(random.next() % UInt64(movable.count))]
            switch states[client] {
            case .idle:
                let work = submission(client: client, frame: frames[client])
                if try scheduler.submit(work) {
                    binds += 1
                    states[client] = .running(work.id, stepsLeft: configuration.executionSteps)
                } else {
                    states[client] = .waiting(work.id)
                }
            case let .running(id, stepsLeft) where stepsLeft > 0:
                states[client] = .running(id, stepsLeft: stepsLeft - 1)
            case let .running(id, _):
                completed += 1
                frames[client] += 1
                states[client] = frames[client] == configuration.frames ? .done : .idle
                for started in scheduler.complete(id) {
                    binds += 1
                    states[started.client] = .running(started.id, stepsLeft: configuration.executionSteps)
                }
            case .waiting, .done:
                break
            }
        }
        let deadlocked = states.contains { if case .waiting = $0 { true } else { false } }
        return Outcome(completed: completed, expected: clients * configuration.frames, deadlocked: deadlocked, steps: steps,
                       maxOvertaken: scheduler.maxOvertaken, evictions: scheduler.space.evictions, peakMapped: scheduler.space.peakMapped, binds: binds)
    }

    /// One buffer at a time; a client keeps what it mapped until its submission completes.
    private func runIncremental(seed: UInt64) -> Outcome {
        let clients = configuration.workingSets.count
        var allocator = IOVAAllocator(configuration.space)
        var mapped: [UInt64: IOVARange] = [:]
        var states = Array(repeating: State.idle, count: clients)
        var frames = Array(repeating: 0, count: clients)
        var random = SplitMix64(seed: seed)
        var completed = 0, steps = 0, binds = 0, peak: UInt64 = 0
        func canMove(_ client: Int) -> Bool {
            switch states[client] {
            case .done: return false
            case .waiting:
                // It moves if the next buffer it needs fits now.
                guard let next = configuration.workingSets[client].first(where: { mapped[$0.id] == nil }) else { return true }
                return allocator.fits(bytes: next.bytes, alignment: next.alignment)
            default: return true
            }
        }
        while true {
            let movable = states.indices.filter(canMove)
            guard !movable.isEmpty else { break }
            steps += 1
            let client = movable[Int(random.next() % UInt64(movable.count))]
            switch states[client] {
            case .idle:
                states[client] = .waiting(UInt64(client) << 32 | UInt64(frames[client]))
            case let .waiting(id):
                if let next = configuration.workingSets[client].first(where: { mapped[$0.id] == nil }),
                   let range = try? allocator.allocate(bytes: next.bytes, alignment: next.alignment) {
                    mapped[next.id] = range
                    peak = max(peak, allocator.mappedBytes)
                }
                if configuration.workingSets[client].allSatisfy({ mapped[$0.id] != nil }) {
                    binds += 1
                    states[client] = .running(id, stepsLeft: configuration.executionSteps)
                }
            case let .running(id, stepsLeft) where stepsLeft > 0:
                states[client] = .running(id, stepsLeft: stepsLeft - 1)
            case .running:
                completed += 1
                frames[client] += 1
                for buffer in configuration.workingSets[client] {
                    if let range = mapped.removeValue(forKey: buffer.id) { try? allocator.free(range) }
                }
                states[client] = frames[client] == configuration.frames ? .done : .idle
            case .done:
                break
            }
        }
        let deadlocked = states.contains { $0 != .done }
        return Outcome(completed: completed, expected: clients * configuration.frames, deadlocked: deadlocked, steps: steps,
                       maxOvertaken: 0, evictions: 0, peakMapped: peak, binds: binds)
    }
}
