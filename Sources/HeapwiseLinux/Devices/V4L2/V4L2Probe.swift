import Glibc
import HeapwiseCore

/// Everything Heapwise learns from a video node by asking it, gathered once; `profile(name:)`
/// turns it into a `DeviceProfile`. A plain value, so the conversion can be tested without
/// a kernel.
public struct V4L2Probe: Hashable, Sendable {
    public var path: String
    public var capabilities: V4L2Capabilities
    /// The size the formats were tried at (`VIDIOC_TRY_FMT`).
    public var size: V4L2Size
    public var queues: [Queue]
    /// Whether the node's device sits behind an IOMMU (`/sys/class/video4linux/N/device/iommu_group`).
    public var iommu: Bool

    public init(path: String, capabilities: V4L2Capabilities, size: V4L2Size, queues: [Queue], iommu: Bool = false) {
        self.path = path
        self.capabilities = capabilities
        self.size = size
        self.queues = queues
        self.iommu = iommu
    }

    public struct Queue: Hashable, Sendable {
        public var type: V4L2BufferType
        public var formats: [Format]
        /// Whether `VIDIOC_REQBUFS` accepts `V4L2_MEMORY_DMABUF` here.
        public var dmabuf: Bool
        public var bufferCapabilities: V4L2BufferCapabilities
        /// The `exp_name` of a dma-buf exported from one of the driver's own buffers:
        /// names the videobuf2 allocator, hence whether the memory must be contiguous.
        public var exporter: String?

        public init(type: V4L2BufferType, formats: [Format], dmabuf: Bool, bufferCapabilities: V4L2BufferCapabilities = [], exporter: String? = nil) {
            self.type = type
            self.formats = formats
            self.dmabuf = dmabuf
            self.bufferCapabilities = bufferCapabilities
            self.exporter = exporter
        }
    }

    public struct Format: Hashable, Sendable {
        public var pixelFormat: V4L2PixelFormat
        /// The frame sizes `VIDIOC_TRY_FMT` honours (see `refined`).
        public var frameSizes: V4L2FrameSizes
        /// The frame sizes `VIDIOC_ENUM_FRAMESIZES` lists, when they differ from `frameSizes`.
        public var reportedFrameSizes: V4L2FrameSizes?
        /// What `VIDIOC_TRY_FMT` made of the probe size with the driver's own stride.
        public var tried: V4L2Format?
        /// Whether the driver keeps a larger `bytesperline` than its minimum (nil: unknown).
        public var keepsUserStride: Bool?
        /// The largest `bytesperline` the driver accepts, when it keeps user strides.
        public var maxBytesPerLine: Int?

        public init(
            pixelFormat: V4L2PixelFormat, frameSizes: V4L2FrameSizes, reportedFrameSizes: V4L2FrameSizes? = nil, tried: V4L2Format?,
            keepsUserStride: Bool? = nil, maxBytesPerLine: Int? = nil
        ) {
            self.pixelFormat = pixelFormat
            self.frameSizes = frameSizes
            self.reportedFrameSizes = reportedFrameSizes == frameSizes ? nil : reportedFrameSizes
            self.tried = tried
            self.keepsUserStride = keepsUserStride
            self.maxBytesPerLine = maxBytesPerLine
        }
    }
}

extension V4L2Device {
    /// Asks the node everything a profile needs, trying every format at `width`×`height`:
    /// `VIDIOC_ENUM_FMT` per queue, `VIDIOC_ENUM_FRAMESIZES` and `VIDIOC_TRY_FMT` per
    /// format, `VIDIOC_REQBUFS` (count 0) for DMABUF support, and one MMAP buffer exported
    /// with `VIDIOC_EXPBUF` to name the driver's allocator. Changes nothing lasting: the probe
    /// buffer is released before returning. Fails with EBUSY while another file streams.
    public func probe(width: Int, height: Int) throws(LinuxError) -> V4L2Probe {
        var queues: [V4L2Probe.Queue] = []
        for type in capabilities.queues {
            var formats: [V4L2Probe.Format] = []
            for pixelFormat in try self.formats(type) where !pixelFormat.isCompressed {
                formats.append(try probe(pixelFormat, type: type, width: width, height: height))
            }
            let (dmabuf, bufferCapabilities) = try bufferSupport(type)
            queues.append(V4L2Probe.Queue(type: type, formats: formats, dmabuf: dmabuf,
                                          bufferCapabilities: bufferCapabilities, exporter: exporterName(type)))
        }
        return V4L2Probe(path: path, capabilities: capabilities, size: V4L2Size(width: width, height: height),
                         queues: queues, iommu: behindIOMMU)
    }

    private func probe(_ pixelFormat: V4L2PixelFormat, type: V4L2BufferType, width: Int, height: Int) throws(LinuxError) -> V4L2Probe.Format {
        let reported = try frameSizes(pixelFormat.code)
        let sizes = refined(reported, pixelFormat.code, type: type)
        let wanted = V4L2Format(type: type, width: width, height: height, pixelFormat: pixelFormat.code)
        // Some drivers refuse TRY_FMT for formats their current input cannot give; record that as unknown.
        guard let tried = try? tryFormat(wanted), tried.pixelFormat == pixelFormat.code, let first = tried.planes.first else {
            return V4L2Probe.Format(pixelFormat: pixelFormat, frameSizes: sizes, reportedFrameSizes: reported, tried: nil)
        }
        // Ask for a wider stride (one more 256-byte step) and for an absurd one: a driver
        // that honours user strides keeps the first and clamps the second to its maximum.
        var wider = tried
        wider.planes = tried.planes.map { V4L2PlaneFormat(bytesPerLine: ($0.bytesPerLine / 256 + 1) * 256) }
        var huge = tried
        huge.planes = tried.planes.map { _ in V4L2PlaneFormat(bytesPerLine: 1 << 30) }
        let keeps = (try? tryFormat(wider)).map { $0.planes.first?.bytesPerLine == wider.planes[0].bytesPerLine }
        let maximum = keeps == true ? (try? tryFormat(huge))?.planes.first.map(\.bytesPerLine) : nil
        return V4L2Probe.Format(pixelFormat: pixelFormat, frameSizes: sizes, reportedFrameSizes: reported, tried: tried, keepsUserStride: keeps,
                                maxBytesPerLine: maximum.flatMap { $0 > first.bytesPerLine && $0 < 1 << 30 ? $0 : nil })
    }

    /// A stepwise range as `VIDIOC_TRY_FMT` honours it. `VIDIOC_ENUM_FRAMESIZES` is one answer
    /// per format, but some drivers align more strictly per format when they try one: vicodec
    /// lists 640×360 to 4096×2160 in steps of 8×8 for every format, and `vic_round_dim` rounds
    /// a 4:2:0 format's width and height to 16 (and 360 up to 368). So the range's corners
    /// are tried, and the step is tried one step above the first size the driver keeps: a
    /// size it moves to the next multiple gives the real step. Discrete lists are kept as
    /// listed (each size is a mode the driver sets exactly).
    ///
    /// A driver that reports nothing gets the range its TRY_FMT clamps to, as GStreamer's
    /// v4l2src does: 1×1 and 32768×32768 are tried, and the step as above. Some drivers mean
    /// to list sizes and fail: 6.12's vimc capture looks the pixel format up as a media bus
    /// code in `vimc_capture_enum_framesizes` and answers EINVAL, while its TRY_FMT clamps to
    /// 16×16 and up. A driver whose TRY_FMT gives one size whatever is asked gets that size.
    private func refined(_ sizes: V4L2FrameSizes, _ code: FourCC, type: V4L2BufferType) -> V4L2FrameSizes {
        func tried(_ width: Int, _ height: Int) -> V4L2Size? {
            (try? tryFormat(V4L2Format(type: type, width: width, height: height, pixelFormat: code)))
                .flatMap { $0.pixelFormat == code ? V4L2Size(width: $0.width, height: $0.height) : nil }
        }
        if case .unreported = sizes {
            guard let low = tried(1, 1), let high = tried(1 << 15, 1 << 15), low.width <= high.width, low.height <= high.height
            else { return sizes }
            if low == high { return .discrete([low]) }
            return refined(.stepwise(min: low, max: high, step: V4L2Size(width: 1, height: 1)), code, type: type)
        }
        guard case let .stepwise(min, max, step) = sizes else { return sizes }
        guard let low = tried(min.width, min.height), let high = tried(max.width, max.height),
              low.width >= min.width, low.height >= min.height, high.width <= max.width, high.height <= max.height,
              low.width <= high.width, low.height <= high.height
        else { return sizes }
        var real = step
        if let next = tried(low.width + step.width, low.height + step.height) {
            let (dw, dh) = (next.width - low.width, next.height - low.height)
            if dw > step.width && dw % step.width == 0 { real.width = dw }
            if dh > step.height && dh % step.height == 0 { real.height = dh }
        }
        return .stepwise(min: low, max: high, step: real)
    }

    /// The allocator behind the queue's own buffers: one MMAP buffer with the current
    /// format, exported and read back from fdinfo, then released. Nil when the queue has no
    /// MMAP support or is busy.
    private func exporterName(_ type: V4L2BufferType) -> String? {
        guard let format = try? currentFormat(type),
              let stream = try? V4L2Stream(device: self, format: format, allocating: 1),
              let buffer = try? stream.export(0)
        else { return nil }
        let name = try? buffer.info().exporter
        buffer.close()
        try? stream.release()
        return name
    }

    /// `/sys/class/video4linux/videoN/device/iommu_group` exists for a device an IOMMU
    /// translates for (`iommu_group_add_device` creates the link).
    var behindIOMMU: Bool {
        let node = path.split(separator: "/").last.map(String.init) ?? path
        return DeviceNodes.isAccessible("/sys/class/video4linux/\(node)/device/iommu_group", F_OK)
    }
}
