import HeapwiseCore

/// Probes the running kernel's DRM and V4L2 devices into Heapwise profiles.
public enum ProbedDevices {
    /// V4L2 drivers answer `VIDIOC_TRY_FMT` for a size, so their rules are probed at one;
    /// 1920×1080 unless a pipeline says otherwise.
    public static let defaultSize = (width: 1920, height: 1080)

    /// Probes one device: the first node of its driver, or the node it names; its profile is
    /// named after the driver found (`drm-vkms`). The corresponding ioctls are
    /// `DRM_IOCTL_VERSION` and the KMS getters for DRM, `VIDIOC_QUERYCAP`, `VIDIOC_ENUM_FMT` and
    /// `VIDIOC_TRY_FMT` for V4L2.
    public static func profile(
        _ reference: DeviceReference, width: Int = defaultSize.width, height: Int = defaultSize.height
    ) throws(LinuxError) -> DeviceProfile {
        switch reference.kind {
        case .drm:
            let device = if let node = reference.node { try DRMDevice.open(path: node) } else { try DRMDevice.open(driver: reference.driver) }
            return try device.probe().profile(name: "drm-" + device.version.driver)
        case .v4l2:
            let device = if let node = reference.node { try V4L2Device.open(path: node) } else { try V4L2Device.open(driver: reference.driver) }
            return try device.profile(name: "v4l2-" + device.capabilities.driver, width: width, height: height)
        }
    }

    /// Every DRM and V4L2 device this user can open, one reference per driver, in node order.
    public static func references() -> [DeviceReference] {
        var seen: [DeviceReference] = []
        for node in DRMDevice.list() {
            let reference = DeviceReference(kind: .drm, driver: node.version.driver)
            if !seen.contains(reference) { seen.append(reference) }
        }
        for node in V4L2Device.list() {
            let reference = DeviceReference(kind: .v4l2, driver: node.capabilities.driver)
            if !seen.contains(reference) { seen.append(reference) }
        }
        return seen
    }
}
