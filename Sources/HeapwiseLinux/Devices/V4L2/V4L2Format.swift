import CHeapwiseLinux
import HeapwiseCore
import SystemPackage

/// One memory plane of a V4L2 format: the stride and the minimum buffer size the driver
/// demands (`struct v4l2_plane_pix_format`, or the single plane of `v4l2_pix_format`).
public struct V4L2PlaneFormat: Hashable, Sendable, CustomStringConvertible {
    /// Bytes per line of the first colour plane in this memory plane. For single-buffer
    /// planar formats (`YUV420`) the chroma planes' stride follows from it (half, for 4:2:0).
    public var bytesPerLine: Int
    /// The smallest buffer, in bytes, the driver accepts for this memory plane.
    public var sizeImage: Int

    public init(bytesPerLine: Int = 0, sizeImage: Int = 0) {
        self.bytesPerLine = bytesPerLine
        self.sizeImage = sizeImage
    }

    public var description: String { "bytesperline \(bytesPerLine), sizeimage \(sizeImage)" }
}

/// An image format of a queue (`struct v4l2_format` with `pix` or `pix_mp`).
///
/// `planes` are memory planes: one for every single-planar queue (even for NV12, whose two
/// colour planes share the buffer), one per separate buffer for multi-planar formats such
/// as `NV12M`.
public struct V4L2Format: Hashable, Sendable, CustomStringConvertible {
    public var type: V4L2BufferType
    public var width: Int
    public var height: Int
    public var pixelFormat: FourCC
    /// `enum v4l2_field`; `V4L2_FIELD_NONE` (progressive) unless the driver interlaces.
    public var field: UInt32
    public var colorspace: UInt32
    public var planes: [V4L2PlaneFormat]

    /// A format to ask for. Planes left empty (or with zero fields) let the driver choose
    /// the stride and size; a non-zero `bytesPerLine` asks for that stride.
    public init(type: V4L2BufferType, width: Int, height: Int, pixelFormat: FourCC, planes: [V4L2PlaneFormat] = []) {
        self.type = type
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.field = hw_V4L2_FIELD_NONE
        self.colorspace = 0
        self.planes = planes
    }

    /// The DRM format and buffer split this V4L2 format corresponds to, if any.
    public var drmFormat: (format: FormatInfo, separateBuffers: Bool)? {
        V4L2FormatMap.drmFormat(forV4L2: pixelFormat.rawValue)
    }

    public var description: String {
        "\(width)x\(height) '\(pixelFormat)' " + planes.map { "[\($0)]" }.joined(separator: " ")
    }

    var raw: hw_v4l2_pix {
        var pix = hw_v4l2_pix()
        pix.type = type.rawValue
        pix.width = UInt32(clamping: width)
        pix.height = UInt32(clamping: height)
        pix.pixelformat = pixelFormat.rawValue
        pix.field = field
        pix.num_planes = UInt32(type.isMultiPlanar ? max(planes.count, 1) : 1)
        withUnsafeMutableBytes(of: &pix.bytesperline) { raw in
            for (p, plane) in planes.prefix(Int(HW_V4L2_MAX_PLANES)).enumerated() {
                raw.storeBytes(of: UInt32(clamping: plane.bytesPerLine), toByteOffset: 4 * p, as: UInt32.self)
            }
        }
        withUnsafeMutableBytes(of: &pix.sizeimage) { raw in
            for (p, plane) in planes.prefix(Int(HW_V4L2_MAX_PLANES)).enumerated() {
                raw.storeBytes(of: UInt32(clamping: plane.sizeImage), toByteOffset: 4 * p, as: UInt32.self)
            }
        }
        return pix
    }

    init(_ pix: hw_v4l2_pix, type: V4L2BufferType) {
        self.init(type: type, width: Int(pix.width), height: Int(pix.height), pixelFormat: FourCC(rawValue: pix.pixelformat))
        field = pix.field
        colorspace = pix.colorspace
        let count = min(Int(pix.num_planes), Int(HW_V4L2_MAX_PLANES))
        let strides = withUnsafeBytes(of: pix.bytesperline) { Array($0.bindMemory(to: UInt32.self)) }
        let sizes = withUnsafeBytes(of: pix.sizeimage) { Array($0.bindMemory(to: UInt32.self)) }
        planes = (0..<count).map { V4L2PlaneFormat(bytesPerLine: Int(strides[$0]), sizeImage: Int(sizes[$0])) }
    }
}

extension V4L2Device {
    /// What the driver would make of `format` without changing anything: the size it snaps
    /// to, and the `bytesperline` and `sizeimage` it demands for it.
    /// The corresponding ioctl is `VIDIOC_TRY_FMT`.
    public func tryFormat(_ format: V4L2Format) throws(LinuxError) -> V4L2Format {
        try exchange(format, .vidiocTryFormat)
    }

    /// Sets the queue's format; returns what the driver actually set, which can differ from
    /// what was asked (drivers adjust rather than refuse). Fails with EBUSY while buffers
    /// are allocated. The corresponding ioctl is `VIDIOC_S_FMT`.
    public func setFormat(_ format: V4L2Format) throws(LinuxError) -> V4L2Format {
        try exchange(format, .vidiocSetFormat)
    }

    /// The queue's current format. The corresponding ioctl is `VIDIOC_G_FMT`.
    public func currentFormat(_ type: V4L2BufferType) throws(LinuxError) -> V4L2Format {
        try exchange(V4L2Format(type: type, width: 0, height: 0, pixelFormat: FourCC(rawValue: 0)), .vidiocGetFormat)
    }

    private func exchange(_ format: V4L2Format, _ ioctl: KernelCall) throws(LinuxError) -> V4L2Format {
        var pix = format.raw
        if case let .failure(errno) = Syscalls.retryingInterrupts(true, { Syscalls.v4l2Format(fd, ioctl, &pix) }) {
            throw error(errno, ioctl, "\(ioctl) \(format.width)x\(format.height) '\(format.pixelFormat)' on \(format.type) of \(path) failed")
        }
        return V4L2Format(pix, type: format.type)
    }
}
