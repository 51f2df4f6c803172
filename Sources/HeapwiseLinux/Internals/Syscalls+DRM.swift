import CHeapwiseLinux
import Glibc
import SystemPackage

// MARK: DRM

/// The DRM/KMS ioctls, in the funnel like every other call: each returns `Result<_, Errno>`
/// each named by its `KernelCall` for errors and failure injection.
///
/// Array-returning ioctls follow the kernel's two-step protocol (ask for counts, allocate,
/// ask again); the loops that do this live with their callers in `Devices/DRM`, so each
/// function here is still exactly one system call.
extension Syscalls {
    static func drmVersion(
        _ fd: Int32, name: inout [CChar], date: inout [CChar], description: inout [CChar]
    ) -> Result<(version: (Int, Int, Int), lengths: (Int, Int, Int)), Errno> {
        var version: [Int32] = [0, 0, 0]
        var nameLength = name.count, dateLength = date.count, descriptionLength = description.count
        return call(.drmVersion, [Int(fd)]) {
            hw_drm_version(fd, &version, &name, &nameLength, &date, &dateLength, &description, &descriptionLength)
        }.map { _ in ((Int(version[0]), Int(version[1]), Int(version[2])), (nameLength, dateLength, descriptionLength)) }
    }

    static func drmGetCap(_ fd: Int32, _ capability: UInt64) -> Result<UInt64, Errno> {
        var value: UInt64 = 0
        return call(.drmGetCap, [Int(fd)]) { hw_drm_get_cap(fd, capability, &value) }.map { _ in value }
    }

    static func drmSetClientCap(_ fd: Int32, _ capability: UInt64, _ value: UInt64) -> Result<Void, Errno> {
        perform(.drmSetClientCap, [Int(fd)]) { hw_drm_set_client_cap(fd, capability, value) }
    }

    static func drmGetResources(
        _ fd: Int32, _ info: inout hw_drm_resources, crtcs: inout [UInt32], connectors: inout [UInt32], encoders: inout [UInt32]
    ) -> Result<Void, Errno> {
        perform(.drmGetResources, [Int(fd)]) { hw_drm_mode_get_resources(fd, &info, &crtcs, &connectors, &encoders) }
    }

    static func drmGetEncoder(_ fd: Int32, _ id: UInt32) -> Result<(type: UInt32, crtc: UInt32, possibleCRTCs: UInt32, possibleClones: UInt32), Errno> {
        var type: UInt32 = 0, crtc: UInt32 = 0, possible: UInt32 = 0, clones: UInt32 = 0
        return call(.drmGetEncoder, [Int(fd)]) { hw_drm_mode_get_encoder(fd, id, &type, &crtc, &possible, &clones) }.map { _ in (type, crtc, possible, clones) }
    }

    static func drmGetConnector(
        _ fd: Int32, _ id: UInt32, _ info: inout hw_drm_connector, modes: inout [hw_drm_mode_info],
        encoders: inout [UInt32], properties: inout [UInt32], values: inout [UInt64]
    ) -> Result<Void, Errno> {
        perform(.drmGetConnector, [Int(fd)]) { hw_drm_mode_get_connector(fd, id, &info, &modes, &encoders, &properties, &values) }
    }

    static func drmGetPlaneResources(_ fd: Int32, _ planes: inout [UInt32], count: inout UInt32) -> Result<Void, Errno> {
        perform(.drmGetPlaneResources, [Int(fd)]) { hw_drm_mode_get_plane_resources(fd, &planes, &count) }
    }

    static func drmGetPlane(_ fd: Int32, _ id: UInt32, _ info: inout hw_drm_plane, formats: inout [UInt32]) -> Result<Void, Errno> {
        perform(.drmGetPlane, [Int(fd)]) { hw_drm_mode_get_plane(fd, id, &info, &formats) }
    }

    static func drmObjectProperties(
        _ fd: Int32, _ id: UInt32, type: UInt32, properties: inout [UInt32], values: inout [UInt64], count: inout UInt32
    ) -> Result<Void, Errno> {
        perform(.drmObjectGetProperties, [Int(fd)]) { hw_drm_mode_obj_get_properties(fd, id, type, &properties, &values, &count) }
    }

    static func drmGetProperty(
        _ fd: Int32, _ id: UInt32, _ info: inout hw_drm_property, name: inout [CChar], values: inout [UInt64],
        enumValues: inout [UInt64], enumNames: inout [CChar]
    ) -> Result<Void, Errno> {
        perform(.drmGetProperty, [Int(fd)]) { hw_drm_mode_get_property(fd, id, &info, &name, &values, &enumValues, &enumNames) }
    }

    static func drmGetBlob(_ fd: Int32, _ id: UInt32, into data: inout [UInt8], length: inout UInt32) -> Result<Void, Errno> {
        perform(.drmGetPropertyBlob, [Int(fd)]) { data.withUnsafeMutableBytes { hw_drm_mode_get_blob(fd, id, $0.baseAddress, &length) } }
    }

    static func drmCreateBlob(_ fd: Int32, _ data: [UInt8]) -> Result<UInt32, Errno> {
        var id: UInt32 = 0
        return call(.drmCreatePropertyBlob, [Int(fd)]) { data.withUnsafeBytes { hw_drm_mode_create_blob(fd, $0.baseAddress, UInt32($0.count), &id) } }.map { _ in id }
    }

    static func drmDestroyBlob(_ fd: Int32, _ id: UInt32) -> Result<Void, Errno> {
        perform(.drmDestroyPropertyBlob, [Int(fd)]) { hw_drm_mode_destroy_blob(fd, id) }
    }

    static func drmPrimeFDToHandle(_ fd: Int32, dmaBuf: Int32) -> Result<UInt32, Errno> {
        var handle: UInt32 = 0
        return call(.drmPrimeFDToHandle, [Int(fd)]) { hw_drm_prime_fd_to_handle(fd, dmaBuf, &handle) }.map { _ in handle }
    }

    static func drmPrimeHandleToFD(_ fd: Int32, handle: UInt32) -> Result<Int32, Errno> {
        var bufferFD: Int32 = -1
        return call(.drmPrimeHandleToFD, [Int(fd)]) { hw_drm_prime_handle_to_fd(fd, handle, hw_DRM_PRIME_EXPORT_FLAGS, &bufferFD) }.map { _ in bufferFD }
    }

    /// Never retried, like close(2): the kernel drops the handle before it could be interrupted.
    static func drmGemClose(_ fd: Int32, handle: UInt32) -> Result<Void, Errno> {
        perform(.drmGemClose, [Int(fd)]) { hw_drm_gem_close(fd, handle) }
    }

    static func drmAddFB2(
        _ fd: Int32, width: UInt32, height: UInt32, format: UInt32, flags: UInt32,
        handles: [UInt32], pitches: [UInt32], offsets: [UInt32], modifiers: [UInt64]
    ) -> Result<UInt32, Errno> {
        precondition(handles.count == 4 && pitches.count == 4 && offsets.count == 4 && modifiers.count == 4,
                     "ADDFB2 takes exactly four planes")
        var id: UInt32 = 0
        return call(.drmAddFB2, [Int(fd)]) { hw_drm_mode_addfb2(fd, width, height, format, flags, handles, pitches, offsets, modifiers, &id) }.map { _ in id }
    }

    static func drmRemoveFB(_ fd: Int32, _ id: UInt32) -> Result<Void, Errno> {
        perform(.drmRemoveFB, [Int(fd)]) { hw_drm_mode_rmfb(fd, id) }
    }

    static func drmAtomic(
        _ fd: Int32, flags: UInt32, objects: [UInt32], propertyCounts: [UInt32], properties: [UInt32], values: [UInt64]
    ) -> Result<Void, Errno> {
        perform(.drmAtomic, [Int(fd)]) {
            hw_drm_mode_atomic(fd, flags, UInt32(objects.count), objects, propertyCounts, properties, values, 0)
        }
    }
}
