/// `heapwise bench resolve`: how long one `Resolver.resolve` takes as pipelines grow.
///
/// Pipelines of N participants are built from the shipped profiles (sorted by name, cycled
/// when N exceeds them), each with its usage that accepts NV12 where it has one, so the
/// resolver does real work: intersections, merges, layouts and heap checks, with rejections.
public struct ResolveBenchmark: Sendable {
    public struct Result: Hashable, Sendable {
        public let participants: Int
        public let latency: LatencySummary
        public let satisfiable: Bool
        public let rejections: Int
    }

    public let profiles: [DeviceProfile]
    public let catalog: HeapCatalog

    public init(profiles: [DeviceProfile], catalog: HeapCatalog = .builtIn) {
        self.profiles = profiles.sorted { $0.name < $1.name }
        self.catalog = catalog
    }

    public func pipeline(participants count: Int) -> Pipeline {
        let nv12 = FourCC("NV12")
        let participants = (0..<count).map { index in
            let device = profiles[index % profiles.count]
            let usage = device.usages.first { $0.formats.contains { $0.format.fourcc == nv12 } } ?? device.usages[0]
            return Participant(device: device, usage: usage)
        }
        return Pipeline(width: 1920, height: 1080, count: 4, participants: participants)
    }

    /// Runs `iterations` timed resolves per size after `warmup` untimed ones.
    public func run(sizes: [Int] = [2, 4, 8, 16], iterations: Int = 2000, warmup: Int = 200) -> [Result] {
        precondition(!profiles.isEmpty, "the resolve benchmark needs at least one profile")
        let resolver = Resolver(catalog: catalog)
        let clock = ContinuousClock()
        return sizes.map { size in
            let pipeline = pipeline(participants: size)
            var last = resolver.resolve(pipeline)
            for _ in 0..<warmup { last = resolver.resolve(pipeline) }
            var timings: [Duration] = []
            timings.reserveCapacity(iterations)
            for _ in 0..<iterations {
                let start = clock.now
                last = resolver.resolve(pipeline)
                timings.append(clock.now - start)
            }
            return Result(
                participants: size, latency: LatencySummary(timings),
                satisfiable: last.chosen != nil, rejections: last.rejected.count
            )
        }
    }
}
