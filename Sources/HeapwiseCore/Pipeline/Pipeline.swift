/// A request for `count` buffers of `width × height` that every participant will use.
public struct Pipeline: Sendable {
    /// Dimensions are capped well above any DRM or V4L2 driver's limit (both top out at
    /// 65535) so that every size derived from them stays far inside 64-bit arithmetic.
    public static let maxDimension = 1 << 20
    public static let maxCount = 1 << 16

    public var width: Int
    public var height: Int
    public var count: Int
    /// The pipeline's own format preference; nil means any format all participants share.
    public var formats: [FormatInfo]?
    public var participants: [Participant]

    public init(width: Int, height: Int, count: Int = 1, formats: [FormatInfo]? = nil, participants: [Participant]) {
        self.width = width
        self.height = height
        self.count = count
        self.formats = formats
        self.participants = participants
    }
}

/// One device in a pipeline and the usage it puts the buffers to.
public struct Participant: Sendable {
    public var device: DeviceProfile
    public var usage: Usage
    /// Which heaps to prefer for this device, from a sysfs link or a hints file (`HeapHint`).
    public var heapHint: HeapHint?

    public init(device: DeviceProfile, usage: Usage, heapHint: HeapHint? = nil) {
        self.device = device
        self.usage = usage
        self.heapHint = heapHint
    }

    /// The device's name: how explanations name a participant.
    public var label: String { device.name }
}
