import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The promise "a plan every device can use", checked against every V4L2 driver the lab
/// kernel has (vivid, vim2m, vimc, vicodec): for many sizes (tiny, odd, huge, each listed
/// frame size and its neighbours) and every format a node maps to DRM, Heapwise probes the
/// node at that size and plans, exactly as `heapwise plan` does for a `v4l2:` participant.
/// Whenever it plans, `VIDIOC_TRY_FMT` with that size and format keeps the size, its
/// `bytesperline` is the plan's stride for every memory plane, and its `sizeimage` fits in the
/// plan's buffer; so whenever the driver changes a size, Heapwise has refused it.
@Suite(.enabled(if: KernelLab.active, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelFrameSizeTests {
    static let drivers = ["vivid", "vim2m", "vimc", "vicodec"]

    /// Sizes no driver is built around, and the edges of `listed`.
    static func sizes(around listed: FrameSizes?) -> [FrameSize] {
        var sizes = [(1, 1), (2, 2), (15, 15), (16, 16), (17, 17), (33, 17), (320, 240), (641, 479), (1000, 562),
                     (1279, 719), (1920, 1080), (1921, 1081), (4096, 2160), (4097, 2161), (8192, 8192)]
            .map { FrameSize(width: $0.0, height: $0.1) }
        switch listed {
        case let .listed(list)?:
            for size in list.sizes {
                sizes += [size, FrameSize(width: size.width + 1, height: size.height), FrameSize(width: size.width, height: size.height - 1),
                          FrameSize(width: size.width - 1, height: size.height + 1)]
            }
        case let .range(min, max, step)?:
            let middle = FrameSize(width: min.width + (max.width - min.width) / step.width / 2 * step.width,
                                   height: min.height + (max.height - min.height) / step.height / 2 * step.height)
            sizes += [min, max, middle, FrameSize(width: min.width - 1, height: min.height), FrameSize(width: max.width + 1, height: max.height),
                      FrameSize(width: middle.width + 1, height: middle.height + 1),
                      FrameSize(width: min.width + step.width, height: min.height + step.height)]
        case nil:
            break
        }
        var seen = Set<FrameSize>()
        return sizes.filter { $0.width > 0 && $0.height > 0 && seen.insert($0).inserted }
    }

    struct Tally {
        var planned = 0, refusedChanged = 0, refusedKept = 0
        var refusedKeptExamples: [String] = []
        var checked: Int { planned + refusedChanged + refusedKept }
    }

    @Test func everyPlannedSizeIsOneTheDriverKeeps() throws {
        let nodes = V4L2Device.list().filter { Self.drivers.contains($0.capabilities.driver) && !$0.capabilities.queues.isEmpty }
        for driver in Self.drivers {
            #expect(nodes.contains { $0.capabilities.driver == driver }, "the lab kernel has a \(driver) video node")
        }
        let catalog = HeapDiscovery.catalog()
        var total = Tally()
        var formatCount = 0
        for node in nodes {
            let device = try V4L2Device.open(path: node.path)
            // Which formats and sizes to try: what the node lists, asked once.
            let listing = try device.probe(width: 640, height: 480)
            var tally = Tally()
            var profiles: [FrameSize: DeviceProfile] = [:]  // one probe per size, shared by the node's formats
            for queue in listing.queues {
                for format in queue.formats {
                    guard let (info, separate) = V4L2FormatMap.drmFormat(forV4L2: format.pixelFormat.code.rawValue) else { continue }
                    formatCount += 1
                    for size in Self.sizes(around: format.frameSizes.frameSizes) {
                        try check(device, queue.type, format.pixelFormat.code, info, separate: separate, size: size, catalog: catalog,
                                  profiles: &profiles, &tally)
                    }
                }
            }
            print("frame-sizes: \(node.path) \(node.capabilities.driver) '\(node.capabilities.card)': \(tally.checked) size×format cases, "
                  + "planned \(tally.planned) (TRY_FMT kept each), refused \(tally.refusedChanged + tally.refusedKept) "
                  + "(driver changed the size: \(tally.refusedChanged); driver kept it: \(tally.refusedKept))")
            for example in tally.refusedKeptExamples.prefix(4) { print("frame-sizes:   refused though kept: \(example)") }
            total.planned += tally.planned
            total.refusedChanged += tally.refusedChanged
            total.refusedKept += tally.refusedKept
        }
        print("frame-sizes: \(total.checked) size×format cases checked over \(formatCount) formats on \(nodes.count) nodes; "
              + "\(total.planned) planned and kept by TRY_FMT, \(total.refusedChanged) refused where the driver changes the size, "
              + "\(total.refusedKept) refused where the driver keeps it")
        #expect(total.planned > 0)
        #expect(total.refusedChanged > 0, "some sizes are ones drivers snap away from")
    }

    /// One size × format: probe as `plan` does, plan, and hold the plan to `VIDIOC_TRY_FMT`.
    func check(
        _ device: V4L2Device, _ type: V4L2BufferType, _ code: FourCC, _ info: FormatInfo, separate: Bool, size: FrameSize,
        catalog: HeapCatalog, profiles: inout [FrameSize: DeviceProfile], _ tally: inout Tally
    ) throws {
        let label = "\(device.driver) \(device.path) \(type) \(V4L2PixelFormat.name(code)) at \(size)"
        let tried = try? device.tryFormat(V4L2Format(type: type, width: size.width, height: size.height, pixelFormat: code))
        let kept = tried.map { $0.width == size.width && $0.height == size.height && $0.pixelFormat == code } ?? false
        guard let plan = try plan(device, type, info, separate: separate, size: size, catalog: catalog, profiles: &profiles) else {
            if kept {
                tally.refusedKept += 1
                tally.refusedKeptExamples.append(label + ": " + reasons(device, type, info, separate: separate, size: size, profiles: profiles))
            } else {
                tally.refusedChanged += 1
            }
            return
        }
        tally.planned += 1
        let driver = try #require(tried, "\(label): Heapwise planned it, TRY_FMT refused it")
        #expect(kept, "\(label): Heapwise planned it, the driver changed it to \(driver.width)×\(driver.height)")
        guard kept else { return }
        // One memory plane per buffer (…M formats), else one buffer holding every plane.
        #expect(driver.planes.count == plan.layout.buffers.count, "\(label): memory planes vs buffers")
        for (plane, buffer) in zip(driver.planes, plan.layout.buffers) {
            #expect(plane.bytesPerLine == buffer.planes.first?.stride, "\(label): driver bytesperline \(plane.bytesPerLine), plan stride \(buffer.planes.first?.stride ?? -1)")
            #expect(plane.sizeImage <= buffer.size, "\(label): driver sizeimage \(plane.sizeImage) > planned buffer \(buffer.size)")
        }
    }

    /// Why the plan was refused, for the summary.
    func reasons(_ device: V4L2Device, _ type: V4L2BufferType, _ info: FormatInfo, separate: Bool, size: FrameSize, profiles: [FrameSize: DeviceProfile]) -> String {
        guard let profile = profiles[size], let usage = profile.usage(named: type.usage) else { return "not probed" }
        let pipeline = Pipeline(width: size.width, height: size.height, count: 2, formats: [info],
                                participants: [Participant(device: profile, usage: usage)])
        return Resolver(catalog: HeapDiscovery.catalog()).resolve(pipeline).rejected.prefix(2).map(\.description).joined(separator: "; ")
    }

    /// The node probed at `size` (as a `v4l2:` participant is) and planned with one format.
    func plan(
        _ device: V4L2Device, _ type: V4L2BufferType, _ info: FormatInfo, separate: Bool, size: FrameSize, catalog: HeapCatalog,
        profiles: inout [FrameSize: DeviceProfile]
    ) throws -> Plan? {
        guard size.width <= Pipeline.maxDimension, size.height <= Pipeline.maxDimension else { return nil }
        let profile = try profiles[size] ?? device.profile(name: "v4l2-\(device.driver)", width: size.width, height: size.height)
        profiles[size] = profile
        let usage = try #require(profile.usage(named: type.usage))
        // The entry for this V4L2 code: separate buffers for …M codes, one buffer otherwise.
        guard let entry = usage.formats.first(where: { $0.format == info && ($0.constraints.placement != nil) == separate }) else { return nil }
        let only = Usage(name: usage.name, role: usage.role, constraints: usage.constraints, formats: [entry])
        let pipeline = Pipeline(width: size.width, height: size.height, count: 2, formats: [info],
                                participants: [Participant(device: profile, usage: only)])
        return Resolver(catalog: catalog).resolve(pipeline).chosen
    }
}
