/// `heapwise devices`: each probed device's profile, or why it could not be probed.
public struct DevicesReport: Sendable {
    public struct Entry: Sendable {
        /// `drm:vkms`, `v4l2:vivid`.
        public var device: String
        public var profile: DeviceProfile?
        /// Why probing failed, when it did.
        public var error: String?

        public init(device: String, profile: DeviceProfile? = nil, error: String? = nil) {
            self.device = device
            self.profile = profile
            self.error = error
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public var text: String {
        guard !entries.isEmpty else { return "No DRM or V4L2 device this user can open (/dev/dri/card*, /dev/video*)." }
        return entries.map { entry in
            entry.profile.map { $0.summary(as: entry.device) } ?? "\(entry.device): cannot probe: \(entry.error ?? "")\n"
        }.joined(separator: "\n")
    }

    public var json: JSON {
        .array(entries.map { entry in
            .object([("device", .string(entry.device)), ("profile", entry.profile?.json ?? .null), ("error", JSON(entry.error))])
        })
    }
}
