import CHeapwiseLinux
import Glibc
import SystemPackage

/// What `DRM_IOCTL_VERSION` says about a DRM device's driver.
public struct DRMVersion: Hashable, Sendable, CustomStringConvertible {
    /// The driver's name (`vkms`, `vgem`, `i915`): the only stable way to identify a device.
    public var driver: String
    public var major: Int
    public var minor: Int
    public var patch: Int
    public var date: String
    /// The driver's own description: `Virtual Kernel Mode Setting`.
    public var driverDescription: String

    public var description: String { "\(driver) \(major).\(minor).\(patch) (\(date)): \(driverDescription)" }
}

/// A DRM node found by `DRMDevice.list()`: its path and driver, without keeping it open.
public struct DRMNode: Hashable, Sendable {
    public var path: String
    public var version: DRMVersion
}

/// An open DRM primary node (`/dev/dri/cardN`), owning its descriptor.
///
/// Card numbers follow probe order and change between boots and kernels, so devices are
/// found by the driver name `DRM_IOCTL_VERSION` reports, never by number.
///
/// The first descriptor opened on a card that has no DRM master becomes its master, and only
/// the master may commit (`DRM_IOCTL_MODE_ATOMIC`); keep one `DRMDevice` per card.
///
/// Like `DMABuf`, a device and the handles, framebuffers and blobs made from it are used
/// from one task at a time (they are not `Sendable`): the handle counts are unsynchronised.
public final class DRMDevice: NumberedDevice {
    public static let directory = "/dev/dri"

    public let path: String
    public let version: DRMVersion
    /// The driver name: `vkms`.
    public var driver: String { version.driver }
    private let descriptor: Descriptor
    /// The open node, for the syscall funnel.
    var fd: Int32 { descriptor.rawValue }

    /// GEM handles are per device file and not reference counted by the kernel: importing
    /// the same dma-buf twice returns the same handle, and one `DRM_IOCTL_GEM_CLOSE` would
    /// release it for both. So Heapwise counts the `GEMHandle` objects sharing each handle.
    var handleReferences: [UInt32: Int] = [:]
    /// Property metadata never changes while the device is open; fetched once per id.
    var propertyCache: [UInt32: DRMPropertyInfo] = [:]

    private init(path: String, descriptor: consuming Descriptor, version: DRMVersion) {
        self.path = path
        self.descriptor = descriptor
        self.version = version
    }

    /// Opens a DRM node read-write (KMS and PRIME ioctls need write access) and identifies
    /// its driver. The corresponding calls are `open` and `DRM_IOCTL_VERSION`.
    public static func open(path: String) throws(LinuxError) -> DRMDevice {
        let node = try DeviceNodes.open(path, O_RDWR | O_CLOEXEC, message: "cannot open DRM device \(path)",
                                      missing: "no such DRM node; 'ls \(directory)' lists the cards this kernel has")
        let version = try readVersion(node.rawValue, path: path)  // a failure closes `node`
        return DRMDevice(path: path, descriptor: node, version: version)
    }

    /// Opens the first card whose driver is `driver` (`vkms`), closing the others at once so
    /// they never hold DRM master. Throws `.notFound` naming the drivers that were found.
    public static func open(driver: String, directory: String = DRMDevice.directory) throws(LinuxError) -> DRMDevice {
        try DeviceNodes.first(
            DRMDevice.self, in: directory, matches: { $0.driver == driver }, describe: \.driver,
            wanted: "DRM device with driver '\(driver)'", none: "no DRM card", operation: .drmVersion,
            remedy: "the kernel needs the driver built in or loaded (e.g. CONFIG_DRM_VKMS=y or 'modprobe \(driver)')"
        )
    }

    /// Every DRM primary node this user can open, with its driver, in card order. Nodes that
    /// cannot be opened (0600 root, no driver) are left out; `open(driver:)` explains those.
    public static func list(directory: String = DRMDevice.directory) -> [DRMNode] {
        DeviceNodes.list(DRMDevice.self, in: directory) { DRMNode(path: $0.path, version: $0.version) }
    }

    /// `cardN` primary nodes (render nodes `renderD*` have no KMS).
    static let nodePrefix = "card"

    /// The corresponding ioctl is `DRM_IOCTL_VERSION`, called once to size the strings and
    /// once to fill them.
    private static func readVersion(_ fd: Int32, path: String) throws(LinuxError) -> DRMVersion {
        var name: [CChar] = [], date: [CChar] = [], text: [CChar] = []
        for _ in 0..<2 {
            switch Syscalls.drmVersion(fd, name: &name, date: &date, description: &text) {
            case let .success((version, lengths)):
                if lengths.0 <= name.count && lengths.1 <= date.count && lengths.2 <= text.count {
                    return DRMVersion(
                        driver: string(name, lengths.0), major: version.0, minor: version.1, patch: version.2,
                        date: string(date, lengths.1), driverDescription: string(text, lengths.2))
                }
                name = Array(repeating: 0, count: lengths.0)
                date = Array(repeating: 0, count: lengths.1)
                text = Array(repeating: 0, count: lengths.2)
            case let .failure(errno):
                var error = LinuxError.from(errno, node: path, operation: .drmVersion,
                                            message: "\(path) does not answer DRM_IOCTL_VERSION: not a DRM device")
                error.remedy = nil
                throw error
            }
        }
        throw LinuxError(code: .failed, node: path, operation: .drmVersion, message: "the driver's version strings kept changing size")
    }

    /// The kernel copies the strings without a terminating NUL.
    private static func string(_ bytes: [CChar], _ length: Int) -> String {
        String(decoding: bytes.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A typed error for a failed DRM ioctl, naming the driver and the node. The generic
    /// remedies of `LinuxError.from` are about heaps and node permissions; for an ioctl on an
    /// open card only the permission case has a DRM-specific one.
    func error(_ errno: Errno, _ operation: KernelCall, _ message: String) -> LinuxError {
        var error = LinuxError.from(errno, node: path, operation: operation, message: "\(driver): \(message)")
        switch error.code {
        case .permissionDenied:
            error.remedy = "\(operation) needs DRM master on \(path): another process (a compositor) or another descriptor of this card holds it; Heapwise keeps one descriptor per card"
        case .unsupported:
            error.remedy = "\(driver) does not implement \(operation)"
        default:
            error.remedy = nil
        }
        return error
    }
}
