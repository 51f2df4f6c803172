import Glibc
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// V4L2 against the lab's vivid (Lab/README.md: one capture-only instance,
/// `vivid.n_devs=1 vivid.node_types=0x1`, found by driver name, never by node number):
/// probing, TRY_FMT, capture into Heapwise's dma-bufs with the pixels checked against
/// vivid's test pattern, refused buffers, and VIDIOC_EXPBUF. Enabled only in the lab, where
/// each must run; a missing device there fails the test instead of skipping it.
@Suite(.enabled(if: KernelLab.active, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelV4L2Tests {
    static let yuyv = FourCC(rawValue: 0x5659_5559)  // V4L2_PIX_FMT_YUYV
    static let nv12m = FourCC(rawValue: 0x3231_4D4E)  // V4L2_PIX_FMT_NV12M

    /// The single-planar vivid capture node.
    func vivid() throws -> V4L2Device {
        try V4L2Device.open(driver: "vivid") { $0.queues.contains(.videoCapture) }
    }

    func systemHeap() throws -> DMAHeap {
        try DMAHeap(try #require(KernelLab.heap(named: "system"), "the lab kernel has /dev/dma_heap/system"))
    }

    @Test func probeFindsVividByDriverName() throws {
        let device = try vivid()
        #expect(device.path.hasPrefix("/dev/video"))
        #expect(device.capabilities.driver == "vivid")
        #expect(device.capabilities.queues == [.videoCapture])
        #expect(device.capabilities.canStream)
        let formats = try device.formats(.videoCapture)
        #expect(formats.first?.code == Self.yuyv, "vivid lists YUYV first (vivid-vid-common.c formats[])")
        #expect(formats.contains { $0.code == FourCC("NV12") })
        // vivid's default input is a webcam with six discrete sizes (webcam_sizes[] in vivid-vid-cap.c).
        let sizes = try device.frameSizes(Self.yuyv)
        #expect(sizes == .discrete([(320, 180), (640, 360), (640, 480), (1280, 720), (1920, 1080), (3840, 2160)].map {
            V4L2Size(width: $0.0, height: $0.1)
        }))
        let support = try device.bufferSupport(.videoCapture)
        #expect(support.dmabuf)
        #expect(support.capabilities.isSuperset(of: [.mmap, .dmabuf]))
        print("v4l2-probe: \(device.path): \(device.capabilities); \(formats.count) formats: "
              + formats.map { "\($0.code)".trimmingCharacters(in: .whitespaces) }.joined(separator: " "))
        print("v4l2-probe: YUYV frame sizes: \(sizes); VIDIOC_REQBUFS capabilities: \(support.capabilities)")
    }

    @Test func tryFormatGivesTheStrideVividDemands() throws {
        let device = try vivid()
        let yuyv = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: Self.yuyv))
        #expect(yuyv.width == 640 && yuyv.height == 480)
        #expect(yuyv.planes == [V4L2PlaneFormat(bytesPerLine: 1280, sizeImage: 614_400)])
        let nv12 = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: try #require(FourCC("NV12"))))
        #expect(nv12.planes == [V4L2PlaneFormat(bytesPerLine: 640, sizeImage: 460_800)])
        // vivid keeps a larger user bytesperline ("This driver supports custom bytesperline values").
        let wide = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: Self.yuyv,
                                                   planes: [V4L2PlaneFormat(bytesPerLine: 1536)]))
        #expect(wide.planes.first?.bytesPerLine == 1536)
        // A webcam input snaps other sizes to the nearest discrete one.
        let odd = try device.tryFormat(V4L2Format(type: .videoCapture, width: 641, height: 479, pixelFormat: Self.yuyv))
        #expect(odd.width == 640 && odd.height == 480)
        print("v4l2-probe: TRY_FMT 640x480 YUYV: \(yuyv.planes[0]); NV12: \(nv12.planes[0]); bytesperline 1536 asked: kept \(wide.planes[0].bytesPerLine); 641x479 → \(odd.width)x\(odd.height)")
    }

    @Test func profileDescribesVivid() throws {
        let device = try vivid()
        let probe = try device.probe(width: 640, height: 480)
        let profile = probe.profile(name: "vivid")
        let write = try #require(profile.usage(named: "write"))
        #expect(profile.usages.count == 1)
        #expect(write.accepts(Self.yuyv))
        let yuyvEntry = try #require(write.formats.first { $0.format.name == "YUYV" })
        #expect(yuyvEntry.constraints.pitchAlignment == nil, "bytesperline 1280 is exactly 640 × 2")
        #expect(yuyvEntry.constraints.maxPitch == 32_768, "vivid clamps bytesperline to MAX_ZOOM × MAX_WIDTH × 2 bytes")
        // vivid's webcam input: webcam_sizes[] in vivid-vid-cap.c, listed by VIDIOC_ENUM_FRAMESIZES.
        #expect(write.constraints.frameSizes == .discrete([(320, 180), (640, 360), (640, 480), (1280, 720), (1920, 1080), (3840, 2160)]
            .map { FrameSize(width: $0.0, height: $0.1) }), "the webcam's discrete sizes, not their bounds")
        #expect(profile.constraints.contiguous == false)
        #expect(probe.queues.first?.exporter == "videobuf2_vmalloc")
        #expect(profile.sources.contains { $0.contains("videobuf2_vmalloc") })
        #expect(profile.sources.contains { $0.contains("left out") }, "vivid offers Bayer and HSV formats DRM has no name for")
        for line in profile.sources { print("v4l2-profile: \(line)") }
        print("v4l2-profile: write formats: " + write.acceptedFormats.map(\.name).joined(separator: " "))

        // The probed profile plans: YUYV at 640x480 is one 1280-byte-stride plane.
        let pipeline = Pipeline(width: 640, height: 480, count: 4, formats: [try FormatInfo.parse("YUYV")],
                                participants: [Participant(device: profile, usage: write)])
        let plan = try #require(Resolver(catalog: HeapDiscovery.catalog()).resolve(pipeline).chosen)
        #expect(plan.layout.buffers.first?.planes.first?.stride == 1280)
        #expect(plan.layout.size >= 614_400)
    }

    @Test func capturesColourBarsIntoSystemHeapBuffers() throws {
        let device = try vivid()
        let format = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: Self.yuyv))
        let heap = try systemHeap()
        let buffers = try (0..<4).map { _ in [try heap.allocate(byteCount: format.planes[0].sizeImage)] }
        let before = KernelLab.openDescriptorCount()
        for cycle in 0..<2 {
            let stream = try V4L2Stream(device: device, format: format, importing: buffers)
            try stream.queueAll()
            try stream.start()
            var sequences: [UInt32] = []
            for _ in 0..<6 {
                let frame = try stream.dequeue()
                #expect(!frame.isError)
                #expect(frame.planes.first?.bytesUsed == 614_400)
                let mismatches = try buffers[frame.index][0].withCPUAccess(.read) { bytes in
                    VividPattern.checkYUYV(bytes, stride: format.planes[0].bytesPerLine, width: 640)
                }
                #expect(mismatches.isEmpty, "frame \(frame.sequence) (buffer \(frame.index)): \(mismatches.prefix(4))")
                sequences.append(frame.sequence)
                try stream.queue(frame.index)
            }
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
            try stream.stop()
            try stream.release()
            #expect(KernelLab.openDescriptorCount() == before, "cycle \(cycle) leaked no descriptor")
            print("v4l2-capture: cycle \(cycle): 6 frames 640x480 YUYV into 4 system-heap dma-bufs, sequences \(sequences), 75% colour bars verified at \(VividPattern.rows.count) rows x 8 bars")
        }
    }

    @Test func refusesABufferSmallerThanSizeimage() throws {
        let device = try vivid()
        let format = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: Self.yuyv))
        let small = try systemHeap().allocate(byteCount: 4096)
        let stream = try V4L2Stream(device: device, format: format, importing: [[small]])
        do {
            try stream.queue(0)
            Issue.record("vivid accepted a 4096-byte dma-buf for a 614400-byte image")
        } catch {
            #expect(error.errno == .invalidArgument)
            #expect(error.operation == .vidiocQueueBuffer)
            #expect(error.description.contains("4096 bytes from /dev/dma_heap/system"))
            #expect(error.description.contains("sizeimage 614400"))
            #expect(error.remedy?.contains("plane 0 is 4096 bytes but the driver needs at least 614400") == true)
            print("v4l2-refused: \(error)")
        }
    }

    /// A dma-buf replaced behind Heapwise's back (its fd number now names another file) and
    /// a memfd passed as a dma-buf: the driver refuses both, and the error says why.
    @Test func refusesDescriptorsThatAreNotDMABufs() throws {
        let device = try vivid()
        let format = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: Self.yuyv))
        let real = try systemHeap().allocate(byteCount: 614_400)
        guard case let .success(copy) = Syscalls.duplicate(real.fd) else { throw LinuxError(code: .failed, operation: .duplicate, message: "dup failed") }
        let revoked = DMABuf(adopting: Descriptor(adopting: copy), size: real.size, origin: "revoked dma-buf")
        // Atomically point the number at /dev/null: the dma-buf is gone, the fd is not.
        let null = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
        #expect(null >= 0 && dup2(null, copy) == copy)
        _ = Glibc.close(null)
        let memfd = try Memfd().allocate(byteCount: 614_400)
        let stream = try V4L2Stream(device: device, format: format, importing: [[revoked], [memfd]])
        for (index, expected) in [(0, "refused the fd itself"), (1, "is not a dma-buf")] {
            do {
                try stream.queue(index)
                Issue.record("vivid accepted buffer \(index)")
            } catch {
                #expect(error.errno == .invalidArgument)
                #expect(error.remedy?.contains(expected) == true, "\(error)")
                print("v4l2-refused: \(error)")
            }
        }
    }

    @Test func exportsVividsOwnBuffersAsDMABufs() throws {
        let device = try vivid()
        let format = try device.tryFormat(V4L2Format(type: .videoCapture, width: 640, height: 480, pixelFormat: Self.yuyv))
        let before = KernelLab.openDescriptorCount()
        do {
            let stream = try V4L2Stream(device: device, format: format, allocating: 2)
            let exported = try (0..<stream.count).map { try stream.export($0) }
            let info = try exported[0].info()
            #expect(info.exporter == "videobuf2_vmalloc")
            #expect(exported[0].size >= 614_400)
            try stream.queueAll()
            try stream.start()
            let frame = try stream.dequeue()
            try stream.stop()
            try stream.release()
            // The driver's buffer outlives VIDIOC_REQBUFS(0) through its dma-buf.
            let mismatches = try exported[frame.index].withCPUAccess(.read) { bytes in
                VividPattern.checkYUYV(bytes, stride: format.planes[0].bytesPerLine, width: 640)
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(4))")
            print("v4l2-expbuf: \(stream.count) MMAP buffers exported: exp_name \(info.exporter ?? "?"), size \(info.size ?? 0); frame \(frame.sequence) read through the dma-buf after release: colour bars verified")
        }
        #expect(KernelLab.openDescriptorCount() == before)
    }

    /// vivid is multi-planar only with `vivid.multiplanar=2`; the lab boots a second,
    /// multi-planar instance for this (`vivid.n_devs=2 vivid.node_types=0x1,0x1
    /// vivid.multiplanar=1,2` in Lab/run.sh).
    @Test func multiPlanarCaptureIntoSeparateBuffers() throws {
        let device = try V4L2Device.open(driver: "vivid") { $0.queues.contains(.videoCaptureMultiPlanar) }
        let format = try device.tryFormat(V4L2Format(type: .videoCaptureMultiPlanar, width: 640, height: 480, pixelFormat: Self.nv12m))
        #expect(format.planes == [V4L2PlaneFormat(bytesPerLine: 640, sizeImage: 307_200), V4L2PlaneFormat(bytesPerLine: 640, sizeImage: 153_600)])
        let heap = try systemHeap()
        let buffers = try (0..<4).map { _ in try format.planes.map { try heap.allocate(byteCount: $0.sizeImage) } }
        let stream = try V4L2Stream(device: device, format: format, importing: buffers)
        try stream.queueAll()
        try stream.start()
        for _ in 0..<4 {
            let frame = try stream.dequeue()
            #expect(frame.planes.map(\.bytesUsed) == [307_200, 153_600])
            let planes = buffers[frame.index]
            let mismatches = try planes[0].withCPUAccess(.read) { luma in
                try planes[1].withCPUAccess(.read) { chroma in
                    VividPattern.checkNV12(luma: luma, chroma: chroma, stride: 640, width: 640)
                }
            }
            #expect(mismatches.isEmpty, "frame \(frame.sequence): \(mismatches.prefix(4))")
            try stream.queue(frame.index)
        }
        try stream.release()
        // Wrong plane count: one dma-buf for a two-plane format.
        let short = try V4L2Stream(device: device, format: format, importing: [[buffers[0][0]]])
        do {
            try short.queue(0)
            Issue.record("vivid accepted one dma-buf for a two-plane format")
        } catch {
            #expect(error.errno == .invalidArgument)
            #expect(error.remedy?.contains("pass one dma-buf per memory plane: 2") == true, "\(error)")
            print("v4l2-refused: \(error)")
        }
        try short.release()

        let profile = try device.profile(name: "vivid-mplane", width: 640, height: 480)
        let write = try #require(profile.usage(named: "write"))
        let separate = try #require(write.formats.first { $0.format.name == "NV12" && $0.constraints.placement != nil })
        #expect(separate.constraints.placement?.buffers(planes: 2) == [[0], [1]])
        let split = write.formats.filter { $0.constraints.placement != nil }.map(\.format.name)
        print("v4l2-mplane: profile of \(device.path): \(write.formats.count) write formats, separate-buffer entries: \(split.joined(separator: " "))")
        print("v4l2-mplane: \(device.path) NV12M 640x480 into 2 dma-bufs per frame (307200 + 153600), 4 frames, luma and chroma bars verified")
    }
}

/// vivid's default picture: 75% colour bars (`TPG_PAT_75_COLORBAR`, control default 0 in
/// vivid-ctrls.c), left to right white, yellow, cyan, green, magenta, red, blue, black, each
/// an eighth of the width (`tpg_get_color` in drivers/media/common/v4l2-tpg/v4l2-tpg-core.c).
/// The RGB values (`tpg_colors[]` in v4l2-tpg-colors.c: 191 = 75%) become Y'CbCr by
/// `color_to_ycbcr` with the webcam input's defaults: sRGB colorspace (control default 2)
/// → BT.601 encoding, limited range; `rgb2ycbcr` in 12-bit fixed point, then `>> 4`.
enum VividPattern {
    static let bars: [(name: String, y: UInt8, cb: UInt8, cr: UInt8)] = [
        ("white", 179, 128, 128), ("yellow", 160, 44, 141), ("cyan", 130, 156, 44), ("green", 111, 72, 58),
        ("magenta", 83, 183, 197), ("red", 64, 99, 211), ("blue", 34, 211, 114), ("black", 16, 128, 128),
    ]
    /// Rows below vivid's overlay text (`vivid_fillbuff` prints up to eight 16-pixel lines
    /// from row 16, from x = 16) and clear of any bar edge.
    static let rows = [200, 280, 360, 440, 479]

    /// The centre pixel of bar `index` (an even one, so it starts a YUYV pair).
    static func centre(_ index: Int, width: Int) -> Int { ((2 * index + 1) * width / 16) & ~1 }

    /// Mismatches as text, empty when every sampled pixel is its bar's colour.
    static func checkYUYV(_ bytes: UnsafeMutableRawBufferPointer, stride: Int, width: Int) -> [String] {
        var mismatches: [String] = []
        for row in rows {
            for (index, bar) in bars.enumerated() {
                let at = row * stride + centre(index, width: width) * 2
                let got = (bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3])  // Y'0 Cb Y'1 Cr
                if got != (bar.y, bar.cb, bar.y, bar.cr) {
                    mismatches.append("row \(row) \(bar.name): Y'CbCr \(got) want (\(bar.y), \(bar.cb), \(bar.y), \(bar.cr))")
                }
            }
        }
        return mismatches
    }

    static func checkNV12(luma: UnsafeMutableRawBufferPointer, chroma: UnsafeMutableRawBufferPointer, stride: Int, width: Int) -> [String] {
        var mismatches: [String] = []
        for row in rows {
            for (index, bar) in bars.enumerated() {
                let x = centre(index, width: width)
                let y = luma[row * stride + x]
                let c = (row / 2) * stride + x
                if (y, chroma[c], chroma[c + 1]) != (bar.y, bar.cb, bar.cr) {
                    mismatches.append("row \(row) \(bar.name): Y' \(y) Cb \(chroma[c]) Cr \(chroma[c + 1]) want \(bar.y) \(bar.cb) \(bar.cr)")
                }
            }
        }
        return mismatches
    }
}

/// The probe → profile conversion, on probes written by hand (no kernel needed).
@Suite struct V4L2ProfileConversionTests {
    static func format(_ code: String, _ planes: [(Int, Int)], type: V4L2BufferType = .videoCapture,
                       keeps: Bool? = true, max: Int? = nil) -> V4L2Probe.Format {
        let fourcc = FourCC(code) ?? FourCC(rawValue: 0)
        var tried = V4L2Format(type: type, width: 640, height: 480, pixelFormat: fourcc)
        tried.planes = planes.map { V4L2PlaneFormat(bytesPerLine: $0.0, sizeImage: $0.1) }
        return V4L2Probe.Format(pixelFormat: V4L2PixelFormat(code: fourcc, name: code, flags: 0),
                                frameSizes: .stepwise(min: V4L2Size(width: 16, height: 16), max: V4L2Size(width: 4096, height: 2160), step: V4L2Size(width: 2, height: 2)),
                                tried: tried, keepsUserStride: keeps, maxBytesPerLine: max)
    }

    static func probe(_ queues: [V4L2Probe.Queue], iommu: Bool = false) -> V4L2Probe {
        V4L2Probe(path: "/dev/video9", capabilities: V4L2Capabilities(driver: "fake", card: "Fake", busInfo: "platform:fake", capabilities: 0, deviceCaps: 0),
                  size: V4L2Size(width: 640, height: 480), queues: queues, iommu: iommu)
    }

    @Test func captureQueueBecomesAWriteUsage() throws {
        let queue = V4L2Probe.Queue(type: .videoCapture, formats: [
            Self.format("YUYV", [(1280, 614_400)], max: 32_768),
            Self.format("BGR4", [(2560, 1_228_800)]),  // deprecated alias of XR24
            Self.format("XR24", [(2560, 1_228_800)]),
            Self.format("BA81", [(640, 307_200)]),  // Bayer: no DRM format
        ], dmabuf: true, bufferCapabilities: [.mmap, .dmabuf], exporter: "videobuf2_vmalloc")
        let profile = Self.probe([queue]).profile(name: "fake")
        let write = try #require(profile.usage(named: "write"))
        #expect(write.formats.map(\.format.name) == ["YUYV", "XRGB8888"])
        #expect(write.formats[0].constraints.pitchAlignment == nil)
        #expect(write.formats[0].constraints.maxPitch == 32_768)
        #expect(write.constraints.frameSizes == .range(min: FrameSize(width: 16, height: 16), max: FrameSize(width: 4096, height: 2160),
                                                        step: FrameSize(width: 2, height: 2)), "shared frame sizes sit on the usage")
        #expect(write.formats[0].constraints.frameSizes == nil)
        #expect(profile.constraints.contiguous == false)
        #expect(profile.sources.contains { $0.contains("'BA81' (BA81)") && $0.contains("left out") })
        #expect(profile.sources.contains { $0.contains("'XR24' is another V4L2 code for XRGB8888") }, "the driver's first code for a format is kept")
        #expect(profile.sources.contains { $0.contains("videobuf2_vmalloc") })
    }

    @Test func contiguousOutputDriverWithFixedStrides() throws {
        let queue = V4L2Probe.Queue(type: .videoOutputMultiPlanar, formats: [
            Self.format("NM12", [(768, 768 * 480), (768, 768 * 240)], type: .videoOutputMultiPlanar, keeps: false),
        ], dmabuf: true, exporter: "videobuf2_dma_contig")
        let profile = Self.probe([queue]).profile(name: "fake-out")
        let read = try #require(profile.usage(named: "read"))
        let nv12 = try #require(read.formats.first)
        #expect(nv12.format.name == "NV12")
        #expect(nv12.constraints.placement?.buffers(planes: 2) == [[0], [1]])
        #expect(nv12.constraints.pitchAlignment == 256, "align(640, 256) = 768")
        #expect(nv12.constraints.maxPitch == 768, "a driver that ignores user strides pins the pitch")
        #expect(profile.constraints.contiguous == true, "dma-contig without an IOMMU")
        #expect(Self.probe([queue], iommu: true).profile(name: "x").constraints.contiguous == false)
        #expect(profile.sources.contains { $0.contains("ignores a user bytesperline") })

        // The resolver reproduces the driver's strides, in two buffers.
        let pipeline = Pipeline(width: 640, height: 480, formats: [try FormatInfo.parse("NV12")],
                                participants: [Participant(device: profile, usage: read)])
        let plan = try #require(Resolver(catalog: HeapCatalog.builtIn).resolve(pipeline).chosen)
        #expect(plan.layout.buffers.map { $0.planes.map(\.stride) } == [[768], [768]])
    }

    @Test func largerSizeimageBecomesPadding() throws {
        let queue = V4L2Probe.Queue(type: .videoCapture, formats: [Self.format("YUYV", [(1280, 614_400 + 4096)])], dmabuf: true)
        let profile = Self.probe([queue]).profile(name: "fake")
        #expect(profile.usage(named: "write")?.formats.first?.constraints.paddingBytes == 4096)
        #expect(profile.constraints.contiguous == nil)
        // vivid's NV16M: a 128-byte data_offset before luma in its own buffer.
        let nv16m = V4L2Probe.Queue(type: .videoCaptureMultiPlanar, formats: [
            Self.format("NM16", [(640, 307_200 + 128), (640, 307_200)], type: .videoCaptureMultiPlanar),
        ], dmabuf: true)
        let entry = try #require(Self.probe([nv16m]).profile(name: "fake").usage(named: "write")?.formats.first)
        #expect(entry.constraints.paddingBytes == 128)
        let layout = try LayoutCalculator.layout(format: entry.format, modifier: .linear, width: 640, height: 480, constraints: entry.constraints)
        #expect(layout.buffers.map(\.size) == [307_328, 307_328])
    }

    @Test(arguments: [(1280, 1536, 512), (640, 768, 256), (1000, 1024, 32), (640, 1536, 1536), (1280, 1280, 2)])
    func pitchAlignmentReproducesTheDriversStride(_ natural: Int, _ actual: Int, _ alignment: Int) {
        #expect(V4L2Probe.alignment(from: natural, to: actual) == alignment)
        #expect((natural + alignment - 1) / alignment * alignment == actual)
    }
}

/// Error paths without a video device: a node that is not V4L2, a missing driver, and the
/// funnel made to fail (debug builds) for EINTR and EACCES.
@Suite struct V4L2ErrorPathTests {
    @Test func aNodeThatIsNotV4L2IsAClearErrorAndLeaksNothing() {
        let before = KernelLab.openDescriptorCount()
        do {
            _ = try V4L2Device.open(path: "/dev/null")
            Issue.record("/dev/null answered VIDIOC_QUERYCAP")
        } catch {
            #expect(error.operation == .vidiocQueryCap)
            #expect(error.errno == .inappropriateIOCTLForDevice)
            #expect(error.message.contains("not a V4L2 device"))
        }
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func interruptedQueryCapIsRetried() {
        let (error, unused) = Mocking.with([.vidiocQueryCap: [.interrupted, .interrupted]]) { () -> LinuxError? in
            do { _ = try V4L2Device.open(path: "/dev/null"); return nil } catch { return error as? LinuxError }
        }
        #expect(unused == 0)
        #expect(error?.errno == .inappropriateIOCTLForDevice, "after two EINTRs the real answer comes through")
    }

    @Test func permissionDeniedCarriesTheRemedy() {
        let (error, _) = Mocking.with([.open: [.permissionDenied]]) { () -> LinuxError? in
            do { _ = try V4L2Device.open(path: "/dev/video0"); return nil } catch { return error as? LinuxError }
        }
        #expect(error?.code == .permissionDenied)
        #expect(error?.remedy?.contains("udev rule") == true)
    }

    @Test func aMissingDriverSaysWhatWasFound() {
        do {
            _ = try V4L2Device.open(driver: "vivid", directory: "/nonexistent")
            Issue.record("found vivid in an empty directory")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("no video node"))
            #expect(error.remedy?.contains("CONFIG_VIDEO_VIVID") == true)
        }
    }
}
