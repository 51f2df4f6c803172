/// A device named by its kind and driver (`drm:vkms`, `v4l2:vivid`), the way pipelines and
/// `heapwise devices --profile` refer to probed hardware. Node numbers are never used: they
/// follow probe order and change between boots.
public struct DeviceReference: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case drm, v4l2
    }

    public let kind: Kind
    public let driver: String

    public init(kind: Kind, driver: String) {
        self.kind = kind
        self.driver = driver
    }

    /// Parses `drm:DRIVER` or `v4l2:DRIVER`; nil for anything else (a profile name or path).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])), !parts[1].isEmpty else { return nil }
        self.init(kind: kind, driver: String(parts[1]))
    }

    public var description: String { "\(kind.rawValue):\(driver)" }

    /// A profile name for the device: `drm-vkms`, `v4l2-vivid`.
    public var profileName: String { "\(kind.rawValue)-\(driver)" }
}
