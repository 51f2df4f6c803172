import CHeapwiseLinux
import SystemPackage

/// A KMS device's display pipeline objects and framebuffer limits
/// (`DRM_IOCTL_MODE_GETRESOURCES`). Framebuffer ids are not read: they belong to other clients.
public struct DRMResources: Hashable, Sendable {
    public var crtcs: [UInt32]
    public var connectors: [UInt32]
    public var encoders: [UInt32]
    /// `drm_mode_config.min/max_width/height`: the framebuffer sizes `DRM_IOCTL_MODE_ADDFB2`
    /// accepts (`drm_internal_framebuffer_create` checks them).
    public var minWidth: Int
    public var maxWidth: Int
    public var minHeight: Int
    public var maxHeight: Int

    /// A CRTC's index: bit `index` of an encoder's or plane's `possible_crtcs` mask.
    public func index(ofCRTC id: UInt32) -> Int? { crtcs.firstIndex(of: id) }

    /// The bits of `encoderIDs` in an encoder mask (`possible_clones`).
    public func encoderMask(_ encoderIDs: [UInt32]) -> UInt32 {
        encoderIDs.reduce(0) { mask, id in
            guard let index = encoders.firstIndex(of: id), index < 32 else { return mask }
            return mask | 1 << UInt32(index)
        }
    }
}

extension DRMDevice {
    /// The corresponding ioctl is `DRM_IOCTL_MODE_GETRESOURCES`, asked for counts, then for
    /// the ids, again if a hotplug changed the counts in between. Render-only drivers (vgem)
    /// have no KMS and answer EOPNOTSUPP, which is thrown as `.unsupported`.
    public func resources() throws(LinuxError) -> DRMResources {
        var info = hw_drm_resources()
        var crtcs: [UInt32] = [], connectors: [UInt32] = [], encoders: [UInt32] = []
        for _ in 0..<4 {
            let capacity = (info.count_crtcs, info.count_connectors, info.count_encoders)
            if case let .failure(errno) = Syscalls.drmGetResources(fd, &info, crtcs: &crtcs, connectors: &connectors, encoders: &encoders) {
                var failure = error(errno, .drmGetResources, "reading the display resources failed")
                if failure.code == .unsupported { failure.message = "\(driver) has no KMS (no CRTCs, planes or connectors): a render-only or buffer-sharing driver" }
                throw failure
            }
            if info.count_crtcs <= capacity.0 && info.count_connectors <= capacity.1 && info.count_encoders <= capacity.2 {
                return DRMResources(
                    crtcs: Array(crtcs.prefix(Int(info.count_crtcs))),
                    connectors: Array(connectors.prefix(Int(info.count_connectors))),
                    encoders: Array(encoders.prefix(Int(info.count_encoders))),
                    minWidth: Int(info.min_width), maxWidth: Int(info.max_width),
                    minHeight: Int(info.min_height), maxHeight: Int(info.max_height))
            }
            crtcs = Array(repeating: 0, count: Int(info.count_crtcs))
            connectors = Array(repeating: 0, count: Int(info.count_connectors))
            encoders = Array(repeating: 0, count: Int(info.count_encoders))
        }
        throw LinuxError(code: .failed, node: path, operation: .drmGetResources,
                         message: "\(driver): the display resources kept changing (hotplug storm?)")
    }

    /// What an encoder can be combined with: `possible_crtcs` (a mask over
    /// `DRMResources.crtcs`) and `possible_clones` (a mask over `DRMResources.encoders`: the
    /// encoders that may share a CRTC with it). The corresponding ioctl is `DRM_IOCTL_MODE_GETENCODER`.
    func encoderMasks(_ id: UInt32) throws(LinuxError) -> (possibleCRTCs: UInt32, possibleClones: UInt32) {
        switch Syscalls.drmGetEncoder(fd, id) {
        case let .success(encoder): return (encoder.possibleCRTCs, encoder.possibleClones)
        case let .failure(errno): throw error(errno, .drmGetEncoder, "reading encoder \(id) failed")
        }
    }
}
