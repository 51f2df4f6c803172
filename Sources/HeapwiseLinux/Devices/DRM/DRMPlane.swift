import CHeapwiseLinux
import HeapwiseCore
import SystemPackage

/// A plane's role, from its `type` property (`drm_plane_type_enum_list` in `drm_plane.c`).
public enum DRMPlaneType: Hashable, Sendable, CustomStringConvertible {
    case primary, overlay, cursor
    /// A name this kernel added that Heapwise does not know.
    case other(String)

    init(propertyName: String) {
        switch propertyName {
        case "Primary": self = .primary
        case "Overlay": self = .overlay
        case "Cursor": self = .cursor
        default: self = .other(propertyName)
        }
    }

    public var description: String {
        switch self {
        case .primary: "primary"
        case .overlay: "overlay"
        case .cursor: "cursor"
        case let .other(name): name.lowercased()
        }
    }
}

/// A KMS plane: what it can scan out and on which CRTCs.
public struct DRMPlane: Hashable, Sendable {
    public var id: UInt32
    public var type: DRMPlaneType
    /// Mask over `DRMResources.crtcs`.
    public var possibleCRTCs: UInt32
    /// The plain format list of `DRM_IOCTL_MODE_GETPLANE`, in the driver's order.
    public var formats: [FourCC]
    /// (format, modifier) pairs: from `IN_FORMATS` when the plane has it, else derived from
    /// `formats` (`FormatBlob.implicitPairs`).
    public var formatModifiers: [FormatModifierPair]
    /// Whether `formatModifiers` came from an `IN_FORMATS` blob.
    public var hasInFormats: Bool
    /// Anything odd met while reading the plane (a malformed blob), for the profile's sources.
    public var notes: [String]
}

extension DRMDevice {
    /// Every plane with its type and formats. Call `enable(.universalPlanes)` (or `.atomic`)
    /// first, or the kernel lists only overlay planes.
    ///
    /// The corresponding ioctls are `DRM_IOCTL_MODE_GETPLANERESOURCES`, `DRM_IOCTL_MODE_GETPLANE`,
    /// `DRM_IOCTL_MODE_OBJ_GETPROPERTIES` (+ `GETPROPERTY`) and `DRM_IOCTL_MODE_GETPROPBLOB`.
    public func planes() throws(LinuxError) -> [DRMPlane] {
        var planes: [DRMPlane] = []
        for id in try planeIDs() {
            planes.append(try plane(id))
        }
        return planes
    }

    func planeIDs() throws(LinuxError) -> [UInt32] {
        var ids: [UInt32] = []
        var count: UInt32 = 0
        for _ in 0..<4 {
            let capacity = count
            if case let .failure(errno) = Syscalls.drmGetPlaneResources(fd, &ids, count: &count) {
                throw error(errno, .drmGetPlaneResources, "listing planes failed")
            }
            if count <= capacity { return Array(ids.prefix(Int(count))) }
            ids = Array(repeating: 0, count: Int(count))
        }
        throw LinuxError(code: .failed, node: path, operation: .drmGetPlaneResources, message: "\(driver): the plane list kept changing")
    }

    func plane(_ id: UInt32) throws(LinuxError) -> DRMPlane {
        var info = hw_drm_plane()
        var formats: [UInt32] = []
        // A plane's format list is fixed at init (`__drm_universal_plane_init`): the second call fits.
        for _ in 0..<2 {
            let capacity = info.count_format_types
            if case let .failure(errno) = Syscalls.drmGetPlane(fd, id, &info, formats: &formats) {
                throw error(errno, .drmGetPlane, "reading plane \(id) failed")
            }
            if info.count_format_types <= capacity { break }
            formats = Array(repeating: 0, count: Int(info.count_format_types))
        }
        let fourccs = formats.prefix(Int(info.count_format_types)).map(FourCC.init(rawValue:))

        let properties = try properties(of: id, .plane)
        var type = DRMPlaneType.overlay
        if let entry = properties["type"], let name = entry.info.enumNames[entry.value] {
            type = DRMPlaneType(propertyName: name)
        }
        var pairs = FormatBlob.implicitPairs(formats: fourccs)
        var hasInFormats = false
        var notes: [String] = []
        if let blobID = properties["IN_FORMATS"]?.value, blobID != 0 {
            let bytes = try blob(UInt32(truncatingIfNeeded: blobID))
            do {
                pairs = try FormatBlob.parseInFormats(bytes)
                hasInFormats = true
            } catch {
                notes.append("plane \(id): \(error); used its plain format list instead")
            }
        }
        return DRMPlane(id: id, type: type, possibleCRTCs: info.possible_crtcs, formats: fourccs,
                        formatModifiers: pairs, hasInFormats: hasInFormats, notes: notes)
    }
}
