/// `heapwise simulate`: a plan's buffers through each IOMMU-backed device's residency model,
/// frame by frame, the way a pipeline runs.
///
/// Every client (an application instance with its own `count` images) submits, each frame,
/// one image to every device; a device keeps the previous frame in flight until the next is
/// submitted (a display scans out the last frame until the flip, a codec holds its
/// reference), so each client has at most two submissions per device. Submissions bind whole
/// (`ResidencyScheduler`: all of an image's dma-bufs or none, arrival order), images already
/// mapped are reused, and when the clients' images do not all fit, unpinned mappings are
/// evicted least recently used first. A client whose submission waits for space skips its
/// frames on that device until the submission is bound.
public struct PipelineSimulation: Sendable {
    public struct DeviceReport: Hashable, Sendable {
        public var device: String
        public var space: DeviceAddressSpace
        /// Submissions (frames) bound.
        public var binds = 0
        /// Of those, how many found every buffer already mapped.
        public var reused = 0
        /// Buffers mapped (each first use, and each re-mapping after an eviction).
        public var mappings = 0
        public var evictions = 0
        /// Submissions that had to wait for space, and frames skipped meanwhile.
        public var waits = 0
        public var skippedFrames = 0
        public var maxOvertaken = 0
        public var peakMapped: UInt64 = 0
        /// 1 − largest free range / free bytes: the worst seen after a bind, and at the end.
        public var worstFragmentation = 0.0
        public var finalFragmentation = 0.0
    }

    public let clients: Int
    public let frames: Int
    public let buffersPerClient: Int
    public let devices: [DeviceReport]

    /// Simulates `plan` for `pipeline` (its `count` images per client). Devices without an
    /// IOMMU have no address space to simulate and are left out.
    public static func run(_ plan: Plan, pipeline: Pipeline, clients: Int, frames: Int) throws(ResidencyError) -> PipelineSimulation {
        var reports: [DeviceReport] = []
        for footprint in plan.iovaFootprints {
            // The aperture the footprint was checked against; a device that states none gets a
            // 64-bit space, where nothing is ever short.
            guard let space = try? DeviceAddressSpace(bits: min(footprint.apertureBits ?? 64, 64), granule: footprint.granule) else { continue }
            reports.append(try simulate(device: footprint.device, space: space, layout: plan.layout,
                                        images: pipeline.count, clients: clients, frames: frames))
        }
        return PipelineSimulation(clients: clients, frames: frames, buffersPerClient: plan.layout.buffers.count * pipeline.count, devices: reports)
    }

    private static func simulate(device: String, space: DeviceAddressSpace, layout: ImageLayout, images: Int, clients: Int, frames: Int) throws(ResidencyError) -> DeviceReport {
        var report = DeviceReport(device: device, space: space)
        var scheduler = ResidencyScheduler(space)
        let perImage = layout.buffers.count
        func buffers(client: Int, image: Int) -> [MappableBuffer] {
            layout.buffers.enumerated().map { index, buffer in
                MappableBuffer(id: UInt64((client * images + image) * perImage + index), bytes: UInt64(buffer.size), alignment: space.granule)
            }
        }
        var inFlight = [UInt64?](repeating: nil, count: clients)
        var nextID: UInt64 = 0
        func observe(_ scheduler: ResidencyScheduler) {
            report.worstFragmentation = max(report.worstFragmentation, scheduler.space.allocator.fragmentation)
        }
        for frame in 0..<frames {
            for client in 0..<clients {
                if let previous = inFlight[client], scheduler.running[previous] == nil {
                    report.skippedFrames += 1  // still waiting for space: this frame is dropped here
                    continue
                }
                let submission = Submission(id: nextID, client: client, buffers: buffers(client: client, image: frame % max(images, 1)))
                nextID += 1
                let resident = scheduler.space.isResident(submission)
                if try scheduler.submit(submission) {
                    report.binds += 1
                    if resident { report.reused += 1 }
                } else {
                    report.waits += 1
                }
                observe(scheduler)
                // The client's previous frame leaves the device once the next is queued.
                if let previous = inFlight[client] {
                    report.binds += scheduler.complete(previous).count
                    observe(scheduler)
                }
                inFlight[client] = submission.id
            }
        }
        // Drain: complete what runs until nothing waits.
        while !scheduler.running.isEmpty {
            for id in scheduler.running.keys.sorted() {
                report.binds += scheduler.complete(id).count
                observe(scheduler)
            }
        }
        report.evictions = scheduler.space.evictions
        report.mappings = scheduler.space.attachments.count + scheduler.space.evictions
        report.maxOvertaken = scheduler.maxOvertaken
        report.peakMapped = scheduler.space.peakMapped
        report.finalFragmentation = scheduler.space.allocator.fragmentation
        return report
    }
}
