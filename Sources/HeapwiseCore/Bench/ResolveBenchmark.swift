/// `heapwise bench resolve`: how long one `Resolver.resolve` takes as pipelines grow.
///
/// Pipelines of N participants are built from the shipped profiles, each with its usage that
/// accepts NV12 where it has one. Profiles are taken greedily in name order while the
/// pipeline stays satisfiable, and that set is cycled up to N (one producer feeding many
/// consumers), so every size resolves to a plan and does the whole job: intersections,
/// merges, layouts, heap checks, ranking, and the rejections of other formats and heaps.
/// Like real pipelines they name their formats (NV12, YUYV, XRGB8888, P010): with a fixed
/// candidate list the work per participant is fixed, which is what "grows linearly" measures.
/// Without one, the candidates are the union of every participant's formats, which itself
/// grows with the pipeline.
public struct ResolveBenchmark: Sendable {
    public struct Result: Hashable, Sendable {
        public let participants: Int
        public let latency: LatencySummary
        public let satisfiable: Bool
        public let rejections: Int
    }

    /// The profiles pipelines are built from, in the order they are used.
    public let profiles: [DeviceProfile]
    public let catalog: HeapCatalog

    public init(profiles: [DeviceProfile], catalog: HeapCatalog = .builtIn) {
        self.catalog = catalog
        let sorted = profiles.sorted { $0.name < $1.name }
        var compatible: [DeviceProfile] = []
        let resolver = Resolver(catalog: catalog)
        for profile in sorted {
            let trial = Self.pipeline(compatible + [profile])
            if resolver.resolve(trial).chosen != nil { compatible.append(profile) }
        }
        self.profiles = compatible.isEmpty ? sorted : compatible
    }

    public func pipeline(participants count: Int) -> Pipeline {
        Self.pipeline((0..<count).map { profiles[$0 % profiles.count] })
    }

    private static func pipeline(_ devices: [DeviceProfile]) -> Pipeline {
        let nv12 = FormatInfo.lookup("NV12")?.fourcc
        let participants = devices.map { device in
            let usage = device.usages.first { nv12.map($0.accepts) ?? false } ?? device.usages[0]
            return Participant(device: device, usage: usage)
        }
        let formats = ["NV12", "YUYV", "XRGB8888", "P010"].compactMap(FormatInfo.lookup)
        return Pipeline(width: 1920, height: 1080, count: 4, formats: formats, participants: participants)
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
