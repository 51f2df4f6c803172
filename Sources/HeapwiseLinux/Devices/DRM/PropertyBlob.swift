import SystemPackage

/// A property blob this client created (a CRTC's `MODE_ID`), destroyed with this object.
///
/// Destroying only drops the client's reference: a committed CRTC state holds its own, so
/// the blob may go as soon as the commit was issued (`drm_mode_destroy_blob` in `drm_mode.h`).
public final class PropertyBlob {
    public let device: DRMDevice
    public let id: UInt32

    init(device: DRMDevice, id: UInt32) {
        self.device = device
        self.id = id
    }

    /// The corresponding ioctl is `DRM_IOCTL_MODE_DESTROYPROPBLOB`.
    deinit { _ = Syscalls.drmDestroyBlob(device.fd, id) }
}

extension DRMDevice {
    /// The corresponding ioctl is `DRM_IOCTL_MODE_CREATEPROPBLOB`.
    public func createBlob(_ bytes: [UInt8]) throws(LinuxError) -> PropertyBlob {
        switch Syscalls.drmCreateBlob(fd, bytes) {
        case let .success(id): return PropertyBlob(device: self, id: id)
        case let .failure(errno): throw error(errno, .drmCreatePropertyBlob, "creating a \(bytes.count)-byte property blob failed")
        }
    }

    /// A `MODE_ID` blob for `mode`: the kernel's `drm_mode_modeinfo` exactly as it reported it.
    public func createModeBlob(_ mode: DRMMode) throws(LinuxError) -> PropertyBlob {
        try createBlob(mode.modeInfo)
    }
}
