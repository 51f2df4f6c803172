import CHeapwiseLinux
import SystemPackage

/// The KMS object kinds that carry properties Heapwise reads or sets.
public enum DRMObjectKind: Hashable, Sendable, CustomStringConvertible {
    case crtc, connector, plane

    var code: UInt32 {
        switch self {
        case .crtc: hw_DRM_MODE_OBJECT_CRTC
        case .connector: hw_DRM_MODE_OBJECT_CONNECTOR
        case .plane: hw_DRM_MODE_OBJECT_PLANE
        }
    }

    public var description: String {
        switch self {
        case .crtc: "CRTC"
        case .connector: "connector"
        case .plane: "plane"
        }
    }
}

/// A property's metadata (`DRM_IOCTL_MODE_GETPROPERTY`): its name, type flags and, for enum
/// properties such as a plane's `type`, the names of its values.
public struct DRMPropertyInfo: Hashable, Sendable {
    public var id: UInt32
    public var name: String
    public var flags: UInt32
    /// Enum and bitmask properties: value → name (`1` → `Primary`).
    public var enumNames: [UInt64: String]

    public var isBlob: Bool { flags & hw_DRM_MODE_PROP_BLOB != 0 }
    public var isImmutable: Bool { flags & hw_DRM_MODE_PROP_IMMUTABLE != 0 }
}

/// The properties of one KMS object with their current values
/// (`DRM_IOCTL_MODE_OBJ_GETPROPERTIES`), looked up by name: property ids differ between
/// drivers and kernels, names are the uapi (`FB_ID`, `MODE_ID`, `IN_FORMATS`).
public struct DRMObjectProperties: Sendable {
    public var objectID: UInt32
    public var kind: DRMObjectKind
    public var entries: [(info: DRMPropertyInfo, value: UInt64)]

    public subscript(name: String) -> (info: DRMPropertyInfo, value: UInt64)? {
        entries.first { $0.info.name == name }
    }

    /// The property's id, or a typed error naming the object and what it does have.
    public func id(_ name: String, driver: String) throws(LinuxError) -> UInt32 {
        guard let entry = self[name] else {
            throw LinuxError(
                code: .unsupported, operation: .drmObjectGetProperties,
                message: "\(driver): \(kind) \(objectID) has no property '\(name)' (it has \(entries.map(\.info.name).joined(separator: ", ")))",
                remedy: "atomic properties appear only after DRM_CLIENT_CAP_ATOMIC; writeback ones only on writeback connectors")
        }
        return entry.info.id
    }
}

extension DRMDevice {
    /// The object's properties and values. The corresponding ioctls are
    /// `DRM_IOCTL_MODE_OBJ_GETPROPERTIES` and, once per property id, `DRM_IOCTL_MODE_GETPROPERTY`.
    public func properties(of objectID: UInt32, _ kind: DRMObjectKind) throws(LinuxError) -> DRMObjectProperties {
        var ids: [UInt32] = []
        var values: [UInt64] = []
        var count: UInt32 = 0
        for _ in 0..<4 {
            let capacity = count
            switch Syscalls.drmObjectProperties(fd, objectID, type: kind.code, properties: &ids, values: &values, count: &count) {
            case .success: break
            case let .failure(errno):
                throw error(errno, .drmObjectGetProperties, "reading the properties of \(kind) \(objectID) failed")
            }
            if count <= capacity {
                var entries: [(info: DRMPropertyInfo, value: UInt64)] = []
                for index in 0..<Int(count) {
                    entries.append((try propertyInfo(ids[index]), values[index]))
                }
                return DRMObjectProperties(objectID: objectID, kind: kind, entries: entries)
            }
            ids = Array(repeating: 0, count: Int(count))
            values = Array(repeating: 0, count: Int(count))
        }
        throw LinuxError(code: .failed, node: path, operation: .drmObjectGetProperties,
                         message: "\(driver): the property list of \(kind) \(objectID) kept changing")
    }

    /// A property's name, flags and enum names; cached, as they never change.
    /// The corresponding ioctl is `DRM_IOCTL_MODE_GETPROPERTY`.
    func propertyInfo(_ id: UInt32) throws(LinuxError) -> DRMPropertyInfo {
        if let cached = propertyCache[id] { return cached }
        var info = hw_drm_property(flags: 0, count_values: 0, count_enums: 0)
        var name = [CChar](repeating: 0, count: 32)
        var values: [UInt64] = []
        var enumValues: [UInt64] = []
        var enumNames: [CChar] = []
        for _ in 0..<4 {
            let (valueCapacity, enumCapacity) = (info.count_values, info.count_enums)
            if case let .failure(errno) = Syscalls.drmGetProperty(
                fd, id, &info, name: &name, values: &values, enumValues: &enumValues, enumNames: &enumNames)
            {
                throw error(errno, .drmGetProperty, "reading property \(id) failed")
            }
            if info.count_values <= valueCapacity && info.count_enums <= enumCapacity {
                var names: [UInt64: String] = [:]
                for index in 0..<Int(info.count_enums) {
                    names[enumValues[index]] = Self.cString(enumNames[(index * 32)..<(index * 32 + 32)])
                }
                let property = DRMPropertyInfo(id: id, name: Self.cString(name[...]), flags: info.flags, enumNames: names)
                propertyCache[id] = property
                return property
            }
            values = Array(repeating: 0, count: Int(info.count_values))
            enumValues = Array(repeating: 0, count: Int(info.count_enums))
            enumNames = Array(repeating: 0, count: Int(info.count_enums) * 32)
        }
        throw LinuxError(code: .failed, node: path, operation: .drmGetProperty,
                         message: "\(driver): property \(id) kept changing size")
    }

    /// A property blob's bytes (`IN_FORMATS`, `WRITEBACK_PIXEL_FORMATS`, `MODE_ID`).
    /// The corresponding ioctl is `DRM_IOCTL_MODE_GETPROPBLOB`, once for the length, once for the data.
    public func blob(_ id: UInt32) throws(LinuxError) -> [UInt8] {
        var data: [UInt8] = []
        var length: UInt32 = 0
        for _ in 0..<4 {
            let capacity = length
            if case let .failure(errno) = Syscalls.drmGetBlob(fd, id, into: &data, length: &length) {
                throw error(errno, .drmGetPropertyBlob, "reading property blob \(id) failed")
            }
            if length <= capacity { return Array(data.prefix(Int(length))) }
            data = Array(repeating: 0, count: Int(length))
        }
        throw LinuxError(code: .failed, node: path, operation: .drmGetPropertyBlob,
                         message: "\(driver): property blob \(id) kept changing size")
    }

    static func cString(_ bytes: ArraySlice<CChar>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
