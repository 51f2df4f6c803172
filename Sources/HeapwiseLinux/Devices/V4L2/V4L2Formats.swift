import CHeapwiseLinux
import HeapwiseCore
import SystemPackage

/// One pixel format a queue offers (`struct v4l2_fmtdesc`).
public struct V4L2PixelFormat: Hashable, Sendable, CustomStringConvertible {
    /// The V4L2 code (`V4L2_PIX_FMT_*`), packed like a DRM fourcc (`v4l2_fourcc`); bit 31
    /// marks the big-endian variants (`v4l2_fourcc_be`).
    public var code: FourCC
    /// The driver's name for it: `YUYV 4:2:2`.
    public var name: String
    public var flags: UInt32

    /// Compressed formats (MJPEG, H.264) have no pixel layout to share with a display.
    public var isCompressed: Bool { flags & hw_V4L2_FMT_FLAG_COMPRESSED != 0 }

    public var description: String { "\(Self.name(code)) (\(name))" }

    /// A V4L2 code as text: `'YUYV'`, and `'Y16 '-BE` for a big-endian variant
    /// (`v4l2_fourcc_be` sets bit 31, which no character has).
    public static func name(_ code: FourCC) -> String {
        let bigEndian = code.rawValue & 0x8000_0000 != 0
        return "'\(FourCC(rawValue: code.rawValue & 0x7FFF_FFFF))'" + (bigEndian ? "-BE" : "")
    }
}

/// A width × height pair in pixels.
public struct V4L2Size: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    public var description: String { "\(width)x\(height)" }
}

/// The frame sizes a driver reports for a pixel format (`VIDIOC_ENUM_FRAMESIZES`).
public enum V4L2FrameSizes: Hashable, Sendable, CustomStringConvertible {
    /// Only these sizes (a webcam's modes); TRY_FMT snaps to the nearest.
    case discrete([V4L2Size])
    /// Any size from `min` to `max` in steps (`step` 1 for `V4L2_FRMSIZE_TYPE_CONTINUOUS`).
    case stepwise(min: V4L2Size, max: V4L2Size, step: V4L2Size)
    /// The driver does not implement the ioctl (many output and m2m drivers); TRY_FMT is
    /// then the only way to learn what it accepts.
    case unreported

    /// The smallest and largest width and height, or nil when unreported.
    public var bounds: (min: V4L2Size, max: V4L2Size)? {
        switch self {
        case let .discrete(sizes):
            guard let first = sizes.first else { return nil }
            var low = first, high = first
            for size in sizes.dropFirst() {
                low = V4L2Size(width: Swift.min(low.width, size.width), height: Swift.min(low.height, size.height))
                high = V4L2Size(width: Swift.max(high.width, size.width), height: Swift.max(high.height, size.height))
            }
            return (low, high)
        case let .stepwise(min, max, _): return (min, max)
        case .unreported: return nil
        }
    }

    public var description: String {
        switch self {
        case let .discrete(sizes): "discrete " + sizes.map(\.description).joined(separator: " ")
        case let .stepwise(min, max, step) where step.width <= 1 && step.height <= 1: "continuous \(min) to \(max)"
        case let .stepwise(min, max, step): "stepwise \(min) to \(max) step \(step)"
        case .unreported: "not reported"
        }
    }
}

extension V4L2Device {
    /// Every pixel format the queue `type` offers, in the driver's order (its preference).
    /// The corresponding ioctl is `VIDIOC_ENUM_FMT`, called with index 0, 1, … until EINVAL.
    public func formats(_ type: V4L2BufferType) throws(LinuxError) -> [V4L2PixelFormat] {
        var formats: [V4L2PixelFormat] = []
        // A bound keeps a misbehaving driver from looping forever; no driver has 1000 formats.
        for index in UInt32(0)..<1000 {
            switch Syscalls.retryingInterrupts(true, { Syscalls.v4l2EnumFormat(fd, type: type.rawValue, index: index) }) {
            case let .success(desc):
                let name = withUnsafeBytes(of: desc.description) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                formats.append(V4L2PixelFormat(code: FourCC(rawValue: desc.pixelformat), name: name, flags: desc.flags))
            case .failure(.invalidArgument):
                return formats
            case let .failure(errno):
                throw error(errno, .vidiocEnumFormat, "listing the \(type) formats of \(path) failed")
            }
        }
        return formats
    }

    /// The frame sizes the driver supports for `format`. The corresponding ioctl is
    /// `VIDIOC_ENUM_FRAMESIZES`; a driver without it (ENOTTY, or EINVAL at index 0) gives
    /// `.unreported`.
    public func frameSizes(_ format: FourCC) throws(LinuxError) -> V4L2FrameSizes {
        var discrete: [V4L2Size] = []
        for index in UInt32(0)..<1000 {
            switch Syscalls.retryingInterrupts(true, { Syscalls.v4l2EnumFrameSizes(fd, pixelFormat: format.rawValue, index: index) }) {
            case let .success(size):
                let low = V4L2Size(width: Int(size.min_width), height: Int(size.min_height))
                if size.type == hw_V4L2_FRMSIZE_TYPE_DISCRETE {
                    discrete.append(low)
                    continue
                }
                let high = V4L2Size(width: Int(size.max_width), height: Int(size.max_height))
                let continuous = size.type == hw_V4L2_FRMSIZE_TYPE_CONTINUOUS
                let step = V4L2Size(width: continuous ? 1 : Int(size.step_width), height: continuous ? 1 : Int(size.step_height))
                return .stepwise(min: low, max: high, step: step)
            case .failure(.invalidArgument):
                return discrete.isEmpty ? .unreported : .discrete(discrete)
            case .failure(.inappropriateIOCTLForDevice):
                return .unreported
            case let .failure(errno):
                throw error(errno, .vidiocEnumFrameSizes, "listing the frame sizes of '\(format)' on \(path) failed")
            }
        }
        return .discrete(discrete)
    }
}
