import Foundation
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// Camera to display with zero copies, on the lab's real drivers: Heapwise probes vivid and
/// vkms, resolves one plan for both, allocates its buffers from a dma-buf heap, vivid
/// captures into them, vkms scans one out, and vkms's writeback connector copies the composed
/// output into another Heapwise buffer, which must equal the captured frame.
@Suite(.enabled(if: KernelLab.active, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelEndToEndTests {
    static let width = 640
    static let height = 480

    /// Not on 5.10, whose vkms frees an imported buffer's pages after composing it
    /// (`DRMDevice.refuseUnsafeImportedScanout`).
    @Test(KernelLab.needs(.vkmsShmemGEM))
    func vividToVkmsWithZeroCopies() throws {
        // 1. Probe both devices by driver name and resolve one plan.
        let camera = try ProbedDevices.profile(DeviceReference(kind: .v4l2, driver: "vivid"), width: Self.width, height: Self.height)
        let display = try ProbedDevices.profile(DeviceReference(kind: .drm, driver: "vkms"))
        let catalog = HeapDiscovery.catalog()
        #expect(catalog.origin.hasPrefix("live"))
        // XRGB8888 first, as a compositor would ask: left alone the devices' own orders rank
        // RGB565 (vivid lists it early, vkms third) ahead of it.
        let xrgb8888 = try #require(FormatInfo.lookup("XRGB8888"))
        let pipeline = Pipeline(width: Self.width, height: Self.height, count: 4, formats: [xrgb8888], participants: [
            Participant(device: camera, usage: try #require(camera.usage(named: "write"))),
            Participant(device: display, usage: try #require(display.usage(named: "scanout"))),
        ])
        let resolution = Resolver(catalog: catalog).resolve(pipeline)
        let plan = try #require(resolution.chosen, "vivid and vkms share a format: \(resolution.rejected.map(\.description))")
        print("e2e plan: \(plan.summary), stride \(plan.layout.buffers[0].planes[0].stride), \(plan.layout.size) bytes")
        try #require(plan.format == xrgb8888 && plan.layout.buffers[0].planes[0].stride >= 4 * Self.width)

        // 2. Allocate from a real heap; vivid captures into the plan's buffers.
        let allocation = try PlanAllocator().allocate(plan, count: pipeline.count, catalog: catalog, name: "e2e")
        let buffers = allocation.images
        #expect(try buffers.allSatisfy { try $0[0].info().exporter == allocation.heap.name })
        let vivid = try V4L2Device.open(driver: "vivid")
        let wanted = try #require(V4L2Format(plan: plan, type: .videoCapture, width: Self.width, height: Self.height))
        let stream = try V4L2Stream(device: vivid, format: wanted, importing: buffers)
        #expect(stream.format.planes.first?.bytesPerLine == plan.layout.buffers[0].planes[0].stride)
        try stream.queueAll()
        try stream.start()
        var frame = try stream.dequeue()
        for _ in 0..<2 {
            // Skip the first frames, then keep one out of the driver's hands.
            try stream.queue(frame.index)
            frame = try stream.dequeue()
        }
        try stream.stop()
        let shown = buffers[frame.index][0]
        let stride = plan.layout.buffers[0].planes[0].stride
        let bars = try shown.withCPUAccess(.read) { ColourBars.checkXRGB8888($0, stride: stride, width: Self.width) }
        #expect(bars.isEmpty, "captured frame \(frame.sequence) shows 75% colour bars: \(bars)")

        // 3. The same buffer, imported into vkms, is scanned out; writeback captures it.
        let vkms = try DRMDevice.open(driver: "vkms")
        let probe = try vkms.probe()
        let path = try #require(probe.displayPath(connector: "Virtual-1"))
        let mode = try #require(path.connector.modes.first { $0.width == Self.width && $0.height == Self.height })
        let source = try vkms.addFramebuffer(plan, width: Self.width, height: Self.height, buffers: [shown])
        _ = try vkms.show(source, mode: mode, on: path)
        #expect(try vkms.properties(of: path.primaryPlane.id, .plane)["FB_ID"]?.value == UInt64(source.id))

        let output = try DMAHeap(allocation.heap).allocate(byteCount: plan.layout.size)
        let target = try vkms.addFramebuffer(plan, width: Self.width, height: Self.height, buffers: [output])
        let fence = try #require(try vkms.show(source, mode: mode, on: path, capture: target))
        #expect(try fence.wait(timeoutMilliseconds: 20_000))

        // vkms composes in ARGB16161616 and writes the unused X byte as 0xff, while vivid
        // leaves it as its alpha control says: compare colour, not padding.
        let differing = try shown.withCPUAccess(.read) { captured in
            try output.withCPUAccess(.read) { written in
                var count = 0
                for y in 0..<Self.height {
                    for x in 0..<Self.width {
                        let offset = y * stride + 4 * x
                        let a = captured.load(fromByteOffset: offset, as: UInt32.self) & 0x00ff_ffff
                        let b = written.load(fromByteOffset: offset, as: UInt32.self) & 0x00ff_ffff
                        if a != b { count += 1 }
                    }
                }
                return count
            }
        }
        print("e2e: vivid frame \(frame.sequence) in \(allocation.heap.name) dma-buf → vkms plane \(path.primaryPlane.id) on \(path.connector.name) → writeback: \(Self.width * Self.height - differing) of \(Self.width * Self.height) pixels equal")
        #expect(differing == 0)
        try vkms.disable(path)
        try stream.release()
    }
}

/// vivid's default test pattern (`TPG_PAT_75_COLORBAR`, drivers/media/common/v4l2-tpg):
/// eight bars of width/8, left to right white, yellow, cyan, green, magenta, red, blue,
/// black, at 75% intensity. Checking which channels are lit in each bar proves the
/// V4L2↔DRM byte-order mapping: swapped R and B would turn yellow into cyan.
enum ColourBars {
    /// (red, green, blue) lit for each bar.
    static let lit: [(Bool, Bool, Bool)] = [
        (true, true, true), (true, true, false), (false, true, true), (false, true, false),
        (true, false, true), (true, false, false), (false, false, true), (false, false, false),
    ]
    /// Rows below vivid's text overlay (rows 16 to about 160).
    static let rows = [200, 300, 400, 470]

    /// Mismatches as "bar N row Y: r g b"; empty when every sample fits its bar.
    static func checkXRGB8888(_ bytes: UnsafeMutableRawBufferPointer, stride: Int, width: Int) -> [String] {
        var problems: [String] = []
        for row in rows {
            for (bar, (r, g, b)) in lit.enumerated() {
                let x = bar * width / 8 + width / 16
                // DRM_FORMAT_XRGB8888 is little-endian [31:0] x:R:G:B, so bytes are B, G, R, X.
                let offset = row * stride + 4 * x
                let pixel = (red: bytes[offset + 2], green: bytes[offset + 1], blue: bytes[offset])
                func fits(_ value: UInt8, _ on: Bool) -> Bool { on ? value > 150 : value < 60 }
                if !(fits(pixel.red, r) && fits(pixel.green, g) && fits(pixel.blue, b)) {
                    problems.append("bar \(bar) row \(row): \(pixel.red) \(pixel.green) \(pixel.blue)")
                }
            }
        }
        return problems
    }
}
