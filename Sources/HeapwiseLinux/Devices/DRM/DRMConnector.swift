import CHeapwiseLinux
import HeapwiseCore
import SystemPackage

/// A display mode a connector offers.
public struct DRMMode: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var width: Int
    public var height: Int
    /// Vertical refresh in Hz.
    public var refresh: Int
    /// Marked `DRM_MODE_TYPE_PREFERRED` by the driver (the panel's native mode).
    public var preferred: Bool
    /// The kernel's `struct drm_mode_modeinfo`, byte for byte: what a CRTC's `MODE_ID`
    /// property blob must hold, so a mode goes back to the kernel exactly as it came.
    public var modeInfo: [UInt8]

    init(_ info: hw_drm_mode_info) {
        var copy = info
        name = withUnsafeBytes(of: &copy.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        width = Int(info.hdisplay)
        height = Int(info.vdisplay)
        refresh = Int(info.vrefresh)
        preferred = info.type & hw_DRM_MODE_TYPE_PREFERRED != 0
        modeInfo = withUnsafeBytes(of: &copy) { Array($0) }
    }

    public var description: String { "\(width)x\(height)@\(refresh)" + (preferred ? " (preferred)" : "") }
}

/// A connector: a display output (`Virtual-1`) or a writeback engine (`Writeback-1`).
public struct DRMConnector: Hashable, Sendable {
    public var id: UInt32
    /// `DRM_MODE_CONNECTOR_*`.
    public var type: UInt32
    /// The kernel's name: type name and per-type index, as in sysfs (`card1-Virtual-1`).
    public var name: String
    public var connected: Bool
    public var modes: [DRMMode]
    /// The CRTCs that can drive it: the union of its encoders' `possible_crtcs`, as a mask
    /// over `DRMResources.crtcs`.
    public var possibleCRTCs: UInt32
    /// Its encoders' ids.
    public var encoders: [UInt32] = []
    /// The union of its encoders' `possible_clones`, a mask over `DRMResources.encoders`:
    /// the encoders that may be active on the same CRTC as this connector's.
    public var possibleClones: UInt32 = 0
    public var isWriteback: Bool { type == hw_DRM_MODE_CONNECTOR_WRITEBACK }

    /// `drm_connector_enum_list` in `drivers/gpu/drm/drm_connector.c`, indexed by type.
    static let typeNames = [
        "Unknown", "VGA", "DVI-I", "DVI-D", "DVI-A", "Composite", "SVIDEO", "LVDS", "Component", "DIN",
        "DP", "HDMI-A", "HDMI-B", "TV", "eDP", "Virtual", "DSI", "DPI", "Writeback", "SPI", "USB",
    ]

    static func name(type: UInt32, index: UInt32) -> String {
        (Int(type) < typeNames.count ? typeNames[Int(type)] : "Type\(type)") + "-\(index)"
    }
}

extension DRMDevice {
    /// A connector with its modes. The corresponding ioctls are `DRM_IOCTL_MODE_GETCONNECTOR`
    /// (counts first, which also makes the kernel probe the modes when this file is DRM
    /// master, then the arrays) and `DRM_IOCTL_MODE_GETENCODER` for its possible CRTCs and clones.
    public func connector(_ id: UInt32) throws(LinuxError) -> DRMConnector {
        var info = hw_drm_connector()
        var modes: [hw_drm_mode_info] = [], encoders: [UInt32] = [], properties: [UInt32] = [], values: [UInt64] = []
        for _ in 0..<4 {
            let capacity = (info.count_modes, info.count_encoders, info.count_props)
            if case let .failure(errno) = Syscalls.drmGetConnector(
                fd, id, &info, modes: &modes, encoders: &encoders, properties: &properties, values: &values)
            {
                throw error(errno, .drmGetConnector, "reading connector \(id) failed")
            }
            if info.count_modes <= capacity.0 && info.count_encoders <= capacity.1 && info.count_props <= capacity.2 {
                let encoderIDs = Array(encoders.prefix(Int(info.count_encoders)))
                var possible: UInt32 = 0, clones: UInt32 = 0
                for encoder in encoderIDs {
                    let masks = try encoderMasks(encoder)
                    possible |= masks.possibleCRTCs
                    clones |= masks.possibleClones
                }
                return DRMConnector(
                    id: id, type: info.connector_type,
                    name: DRMConnector.name(type: info.connector_type, index: info.connector_type_id),
                    connected: info.connection == hw_DRM_MODE_CONNECTED,
                    modes: modes.prefix(Int(info.count_modes)).map(DRMMode.init),
                    possibleCRTCs: possible, encoders: encoderIDs, possibleClones: clones)
            }
            modes = Array(repeating: hw_drm_mode_info(), count: Int(info.count_modes))
            encoders = Array(repeating: 0, count: Int(info.count_encoders))
            properties = Array(repeating: 0, count: Int(info.count_props))
            values = Array(repeating: 0, count: Int(info.count_props))
        }
        throw LinuxError(code: .failed, node: path, operation: .drmGetConnector,
                         message: "\(driver): connector \(id) kept changing")
    }

    /// The formats a writeback connector can write, from its `WRITEBACK_PIXEL_FORMATS` blob.
    public func writebackFormats(_ connector: DRMConnector) throws(LinuxError) -> [FourCC] {
        let properties = try properties(of: connector.id, .connector)
        guard let blobID = properties["WRITEBACK_PIXEL_FORMATS"]?.value, blobID != 0 else { return [] }
        return FormatBlob.parseFourCCs(try blob(UInt32(truncatingIfNeeded: blobID)))
    }
}
