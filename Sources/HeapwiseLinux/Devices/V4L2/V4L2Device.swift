import CHeapwiseLinux
import Glibc
import SystemPackage

/// A video node found by `V4L2Device.list()`: its path and what it reported, without
/// keeping it open.
public struct V4L2Node: Hashable, Sendable {
    public var path: String
    public var capabilities: V4L2Capabilities
}

/// An open V4L2 video node (`/dev/videoN`), owning its descriptor.
///
/// Node numbers follow probe order (in the kernel lab vivid is `/dev/video7`, after
/// vicodec, vim2m and vimc), so devices are found by the driver and card names
/// `VIDIOC_QUERYCAP` reports, never by number.
///
/// Buffers belong to the file that requested them: a queue set up through one `V4L2Device`
/// is busy (EBUSY) for every other open file until it is released, so keep one per node.
public final class V4L2Device: NumberedDevice {
    public static let directory = "/dev"

    public let path: String
    public let capabilities: V4L2Capabilities
    public var driver: String { capabilities.driver }
    private let descriptor: Descriptor
    /// The open node, for the syscall funnel.
    var fd: Int32 { descriptor.rawValue }

    private init(path: String, descriptor: consuming Descriptor, capabilities: V4L2Capabilities) {
        self.path = path
        self.descriptor = descriptor
        self.capabilities = capabilities
    }

    /// Opens a video node read-write (queueing buffers needs write access) and asks what it
    /// is. The corresponding calls are `open` (`O_RDWR | O_CLOEXEC`) and `VIDIOC_QUERYCAP`.
    public static func open(path: String) throws(LinuxError) -> V4L2Device {
        let node = try DeviceNodes.open(path, O_RDWR | O_CLOEXEC, message: "cannot open V4L2 device \(path)",
                                      missing: "no such video node; 'ls /dev/video*' lists the nodes this kernel has")
        switch Syscalls.retryingInterrupts(true, { Syscalls.v4l2QueryCap(node.rawValue) }) {
        case let .success(caps):
            return V4L2Device(path: path, descriptor: node, capabilities: V4L2Capabilities(caps))
        case let .failure(errno):
            throw LinuxError.from(errno, node: path, operation: .vidiocQueryCap,
                                  message: "\(path) does not answer VIDIOC_QUERYCAP: not a V4L2 device")
        }
    }

    /// Opens the first video node whose driver is `driver` (and card is `card`, when given)
    /// and that `matching` accepts: e.g. the multi-planar one of two vivid instances.
    /// Throws `.notFound` naming the nodes that were found instead.
    public static func open(
        driver: String, card: String? = nil, directory: String = V4L2Device.directory,
        matching: (V4L2Capabilities) -> Bool = { _ in true }
    ) throws(LinuxError) -> V4L2Device {
        let wanted = "V4L2 device with driver '\(driver)'" + (card.map { ", card '\($0)'" } ?? "") + " and the wanted capabilities"
        return try DeviceNodes.first(
            V4L2Device.self, in: directory,
            matches: { ($0.capabilities.driver == driver) && (card == nil || $0.capabilities.card == card) && matching($0.capabilities) },
            describe: \.capabilities.driver,
            wanted: wanted, none: "no video node", operation: .vidiocQueryCap,
            remedy: "the kernel needs the driver built in or loaded (e.g. CONFIG_VIDEO_VIVID=y or 'modprobe \(driver)')"
        )
    }

    /// Every video node this user can open, with what it reported, in node order. Nodes that
    /// cannot be opened (0600 root) are left out; `open(driver:)` explains those.
    public static func list(directory: String = V4L2Device.directory) -> [V4L2Node] {
        DeviceNodes.list(V4L2Device.self, in: directory) { V4L2Node(path: $0.path, capabilities: $0.capabilities) }
    }

    /// `videoN` nodes.
    static let nodePrefix = "video"

    /// An error from `ioctl` on this node, with the remedy V4L2 errnos call for.
    func error(_ errno: Errno, _ ioctl: KernelCall, _ message: String) -> LinuxError {
        var error = LinuxError.from(errno, node: path, operation: ioctl, message: message)
        if errno == .resourceBusy {
            error.remedy = "another open file owns this queue's buffers or is streaming; stop it, or release its buffers (VIDIOC_REQBUFS with count 0)"
        }
        return error
    }
}
