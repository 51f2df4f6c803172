import CHeapwiseLinux
import SystemPackage

/// Flags of an atomic commit (`DRM_MODE_ATOMIC_*`).
public struct AtomicFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Check only; change nothing.
    public static let testOnly = AtomicFlags(rawValue: hw_DRM_MODE_ATOMIC_TEST_ONLY)
    /// Return before the hardware has applied the state.
    public static let nonblock = AtomicFlags(rawValue: hw_DRM_MODE_ATOMIC_NONBLOCK)
    /// Allow a full modeset (mode change, CRTC on or off, connector routing).
    public static let allowModeset = AtomicFlags(rawValue: hw_DRM_MODE_ATOMIC_ALLOW_MODESET)
}

/// One atomic update: property values by object and property *name*, resolved to the
/// driver's property ids as they are added (ids differ per driver; names are the uapi).
///
/// The corresponding ioctl is `DRM_IOCTL_MODE_ATOMIC`; committing needs DRM master.
public struct AtomicRequest {
    public let device: DRMDevice
    private var objects: [UInt32] = []
    private var assignments: [UInt32: [(property: UInt32, value: UInt64)]] = [:]
    private var tables: [UInt32: DRMObjectProperties] = [:]
    /// `kind id NAME=value`, for error messages.
    private var described: [String] = []
    /// An `*_OUT_FENCE_PTR` property to point at a fresh s32 during the commit.
    private var fence: (object: UInt32, property: UInt32)?

    public init(_ device: DRMDevice) { self.device = device }

    /// Sets `name` on object `id` (property ids are looked up once per object).
    public mutating func set(_ kind: DRMObjectKind, _ id: UInt32, _ name: String, _ value: UInt64) throws(LinuxError) {
        let property = try propertyID(kind, id, name)
        add(id, property, value)
        described.append("\(kind) \(id) \(name)=\(value)")
    }

    /// Asks the kernel for a sync_file that signals when the object's operation completes:
    /// `WRITEBACK_OUT_FENCE_PTR` of a writeback connector, `OUT_FENCE_PTR` of a CRTC. The
    /// property's value must be the address of an s32 that the kernel fills during the ioctl,
    /// so `commit` supplies it. At most one per request.
    public mutating func requestOutFence(_ kind: DRMObjectKind, _ id: UInt32, _ name: String) throws(LinuxError) {
        precondition(fence == nil, "one out-fence per atomic request")
        fence = (id, try propertyID(kind, id, name))
        described.append("\(kind) \(id) \(name)=&fence")
    }

    /// Commits. Returns the requested out-fence, if any. The corresponding ioctl is
    /// `DRM_IOCTL_MODE_ATOMIC`, retried on EINTR (nothing was applied then).
    @discardableResult
    public func commit(_ flags: AtomicFlags = []) throws(LinuxError) -> SyncFile? {
        var fenceFD: Int32 = -1
        let result = withUnsafeMutablePointer(to: &fenceFD) { pointer -> Result<Void, Errno> in
            var objects = self.objects
            var assignments = self.assignments
            if let fence {
                if !objects.contains(fence.object) { objects.append(fence.object) }
                assignments[fence.object, default: []].append((fence.property, UInt64(UInt(bitPattern: pointer))))
            }
            let counts = objects.map { UInt32(assignments[$0]?.count ?? 0) }
            let pairs = objects.flatMap { assignments[$0] ?? [] }
            return Syscalls.retryingInterrupts(true) {
                Syscalls.drmAtomic(device.fd, flags: flags.rawValue, objects: objects, propertyCounts: counts,
                                   properties: pairs.map(\.property), values: pairs.map(\.value))
            }
        }
        if case let .failure(errno) = result {
            var failure = device.error(errno, .drmAtomic, "the atomic commit was refused: " + described.joined(separator: ", "))
            if errno == .invalidArgument {
                failure.remedy = "the driver's atomic check failed (plane size or position, format, a writeback framebuffer that does not match the mode, a modeset without ALLOW_MODESET)"
            }
            throw failure
        }
        return fenceFD >= 0 ? SyncFile(Descriptor(adopting: fenceFD)) : nil
    }

    private mutating func add(_ object: UInt32, _ property: UInt32, _ value: UInt64) {
        if assignments[object] == nil { objects.append(object) }
        assignments[object, default: []].append((property, value))
    }

    private mutating func propertyID(_ kind: DRMObjectKind, _ id: UInt32, _ name: String) throws(LinuxError) -> UInt32 {
        if tables[id] == nil { tables[id] = try device.properties(of: id, kind) }
        guard let table = tables[id] else { preconditionFailure("the table was just stored") }
        return try table.id(name, driver: device.driver)
    }
}
