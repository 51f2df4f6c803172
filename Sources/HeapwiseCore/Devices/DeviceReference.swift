/// A device named by its kind and driver (`drm:vkms`, `v4l2:vivid`), the way pipelines and
/// `heapwise devices --profile` refer to probed hardware. Node numbers follow probe order and
/// change between boots, so files name drivers; a program that already holds a device (a
/// GStreamer element's `device` property, a DRM fd) names that exact node instead:
/// `v4l2:/dev/video3`, `drm:/dev/dri/card0`.
public struct DeviceReference: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case drm, v4l2
    }

    public let kind: Kind
    /// The driver's name, or the node's absolute path (see `node`).
    public let driver: String

    /// The device node's path when the reference names one (`v4l2:/dev/video3`).
    public var node: String? { driver.hasPrefix("/") ? driver : nil }

    public init(kind: Kind, driver: String) {
        self.kind = kind
        self.driver = driver
    }

    /// Parses `drm:DRIVER`, `v4l2:DRIVER`, `drm:/NODE` or `v4l2:/NODE`; nil for anything else
    /// (a profile name or path).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])), !parts[1].isEmpty else { return nil }
        self.init(kind: kind, driver: String(parts[1]))
    }

    public var description: String { "\(kind.rawValue):\(driver)" }
}
