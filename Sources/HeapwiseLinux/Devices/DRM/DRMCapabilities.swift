import CHeapwiseLinux
import SystemPackage

/// What a DRM driver says it can do (`DRM_IOCTL_GET_CAP`). `nil` means the driver did not
/// answer: render-only drivers such as vgem answer only the PRIME capability and return
/// EOPNOTSUPP for the KMS ones (`drm_getcap` in `drivers/gpu/drm/drm_ioctl.c`).
public struct DRMCapabilities: Hashable, Sendable {
    /// `DRM_PRIME_CAP_IMPORT`: dma-bufs can be imported (`DRM_IOCTL_PRIME_FD_TO_HANDLE`).
    public var primeImport: Bool
    /// `DRM_PRIME_CAP_EXPORT`: GEM objects can be exported (`DRM_IOCTL_PRIME_HANDLE_TO_FD`).
    public var primeExport: Bool
    /// `DRM_CAP_ADDFB2_MODIFIERS`: `DRM_IOCTL_MODE_ADDFB2` accepts explicit modifiers.
    public var addFB2Modifiers: Bool?
    /// `DRM_CAP_DUMB_BUFFER`: the driver allocates CPU-mappable dumb buffers.
    public var dumbBuffer: Bool?
    /// `DRM_CAP_CURSOR_WIDTH` / `DRM_CAP_CURSOR_HEIGHT`: the cursor plane's size (the kernel
    /// answers 64 when a driver sets nothing).
    public var cursorWidth: Int?
    public var cursorHeight: Int?
}

/// The client capabilities a DRM file can switch on (`DRM_IOCTL_SET_CLIENT_CAP`).
public struct DRMClientCapabilities: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `DRM_CLIENT_CAP_UNIVERSAL_PLANES`: primary and cursor planes are listed too, not only overlays.
    public static let universalPlanes = DRMClientCapabilities(rawValue: 1 << 0)
    /// `DRM_CLIENT_CAP_ATOMIC`: atomic properties and `DRM_IOCTL_MODE_ATOMIC`.
    public static let atomic = DRMClientCapabilities(rawValue: 1 << 1)
    /// `DRM_CLIENT_CAP_WRITEBACK_CONNECTORS`: writeback connectors are listed (needs atomic).
    public static let writebackConnectors = DRMClientCapabilities(rawValue: 1 << 2)
}

extension DRMDevice {
    /// Reads the capabilities Heapwise uses. The corresponding ioctl is `DRM_IOCTL_GET_CAP`.
    public func capabilities() -> DRMCapabilities {
        let prime = capability(hw_DRM_CAP_PRIME) ?? 0
        return DRMCapabilities(
            primeImport: prime & hw_DRM_PRIME_CAP_IMPORT != 0,
            primeExport: prime & hw_DRM_PRIME_CAP_EXPORT != 0,
            addFB2Modifiers: capability(hw_DRM_CAP_ADDFB2_MODIFIERS).map { $0 != 0 },
            dumbBuffer: capability(hw_DRM_CAP_DUMB_BUFFER).map { $0 != 0 },
            cursorWidth: capability(hw_DRM_CAP_CURSOR_WIDTH).map { Int(clamping: $0) },
            cursorHeight: capability(hw_DRM_CAP_CURSOR_HEIGHT).map { Int(clamping: $0) }
        )
    }

    /// One `DRM_IOCTL_GET_CAP`; nil when the driver does not answer (EOPNOTSUPP, EINVAL).
    func capability(_ capability: UInt64) -> UInt64? {
        try? Syscalls.drmGetCap(fd, capability).get()
    }

    /// Switches on as many of `wanted` as the driver accepts, in dependency order (writeback
    /// connectors need atomic, which implies universal planes), and returns those it accepted.
    /// A render-only driver accepts none (EOPNOTSUPP). The corresponding ioctl is
    /// `DRM_IOCTL_SET_CLIENT_CAP`.
    @discardableResult
    public func enable(_ wanted: DRMClientCapabilities = [.universalPlanes, .atomic, .writebackConnectors]) -> DRMClientCapabilities {
        var accepted: DRMClientCapabilities = []
        let order: [(DRMClientCapabilities, UInt64)] = [
            (.universalPlanes, hw_DRM_CLIENT_CAP_UNIVERSAL_PLANES),
            (.atomic, hw_DRM_CLIENT_CAP_ATOMIC),
            (.writebackConnectors, hw_DRM_CLIENT_CAP_WRITEBACK_CONNECTORS),
        ]
        for (capability, code) in order where wanted.contains(capability) {
            if case .success = Syscalls.drmSetClientCap(fd, code, 1) {
                accepted.insert(capability)
                if capability == .atomic { accepted.insert(.universalPlanes) }
            }
        }
        return accepted
    }
}
