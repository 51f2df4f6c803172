import CHeapwiseLinux

/// A V4L2 buffer queue type (`enum v4l2_buf_type`, video types only).
///
/// Single- and multi-planar are different queues with different structs: a multi-planar
/// queue (`…_MPLANE`) carries one `v4l2_plane` per memory plane, which is what lets a format
/// such as `NV12M` put luma and chroma in separate dma-bufs.
public enum V4L2BufferType: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case videoCapture, videoOutput, videoCaptureMultiPlanar, videoOutputMultiPlanar

    /// The uapi value (`V4L2_BUF_TYPE_VIDEO_CAPTURE`, …).
    public var rawValue: UInt32 {
        switch self {
        case .videoCapture: hw_V4L2_BUF_TYPE_VIDEO_CAPTURE
        case .videoOutput: hw_V4L2_BUF_TYPE_VIDEO_OUTPUT
        case .videoCaptureMultiPlanar: hw_V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
        case .videoOutputMultiPlanar: hw_V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE
        }
    }

    /// Capture queues: the device writes the buffers (a camera, a decoder's output side).
    public var isCapture: Bool { self == .videoCapture || self == .videoCaptureMultiPlanar }
    public var isMultiPlanar: Bool { self == .videoCaptureMultiPlanar || self == .videoOutputMultiPlanar }

    /// The Heapwise usage a queue of this type becomes: the device writes what it captures
    /// and reads what it outputs.
    public var usage: String { isCapture ? "write" : "read" }

    public var description: String {
        switch self {
        case .videoCapture: "video-capture"
        case .videoOutput: "video-output"
        case .videoCaptureMultiPlanar: "video-capture-mplane"
        case .videoOutputMultiPlanar: "video-output-mplane"
        }
    }
}

/// What `VIDIOC_QUERYCAP` says about a video node.
public struct V4L2Capabilities: Hashable, Sendable, CustomStringConvertible {
    /// The driver's name (`vivid`, `uvcvideo`): with `card`, the stable way to identify a
    /// device, since `/dev/videoN` numbers follow probe order.
    public var driver: String
    public var card: String
    /// `platform:vivid-000`, `usb-0000:00:14.0-1`: tells apart two instances of one driver.
    public var busInfo: String
    /// `KERNEL_VERSION(major, minor, patch)` of the driver.
    public var version: UInt32
    /// The whole physical device's capabilities (`V4L2_CAP_*`).
    public var capabilities: UInt32
    /// This node's capabilities: `device_caps` when the driver sets `V4L2_CAP_DEVICE_CAPS`
    /// (every driver since Linux 3.x), else `capabilities`.
    public var deviceCaps: UInt32

    init(_ caps: hw_v4l2_caps) {
        driver = Self.string(caps.driver)
        card = Self.string(caps.card)
        busInfo = Self.string(caps.bus_info)
        version = caps.version
        capabilities = caps.capabilities
        deviceCaps = caps.capabilities & hw_V4L2_CAP_DEVICE_CAPS != 0 ? caps.device_caps : caps.capabilities
    }

    public init(driver: String, card: String, busInfo: String, version: UInt32 = 0, capabilities: UInt32, deviceCaps: UInt32) {
        self.driver = driver
        self.card = card
        self.busInfo = busInfo
        self.version = version
        self.capabilities = capabilities
        self.deviceCaps = deviceCaps
    }

    /// The video queues this node has, capture first. A memory-to-memory node
    /// (`V4L2_CAP_VIDEO_M2M[_MPLANE]`) has both a capture and an output queue.
    public var queues: [V4L2BufferType] {
        let caps = deviceCaps
        func has(_ flag: UInt32) -> Bool { caps & flag != 0 }
        var types: [V4L2BufferType] = []
        if has(hw_V4L2_CAP_VIDEO_CAPTURE) || has(hw_V4L2_CAP_VIDEO_M2M) { types.append(.videoCapture) }
        if has(hw_V4L2_CAP_VIDEO_CAPTURE_MPLANE) || has(hw_V4L2_CAP_VIDEO_M2M_MPLANE) { types.append(.videoCaptureMultiPlanar) }
        if has(hw_V4L2_CAP_VIDEO_OUTPUT) || has(hw_V4L2_CAP_VIDEO_M2M) { types.append(.videoOutput) }
        if has(hw_V4L2_CAP_VIDEO_OUTPUT_MPLANE) || has(hw_V4L2_CAP_VIDEO_M2M_MPLANE) { types.append(.videoOutputMultiPlanar) }
        return types
    }

    /// Whether buffers can be queued at all (`V4L2_CAP_STREAMING`); without it only
    /// read()/write() I/O exists and no dma-buf can be shared.
    public var canStream: Bool { deviceCaps & hw_V4L2_CAP_STREAMING != 0 }

    public var description: String {
        "\(driver) '\(card)' (\(busInfo)): " + (queues.isEmpty ? "no video queue" : queues.map(\.description).joined(separator: ", "))
            + (canStream ? ", streaming" : "")
    }

    private static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
