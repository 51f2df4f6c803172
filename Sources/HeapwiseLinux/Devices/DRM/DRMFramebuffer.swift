import CHeapwiseLinux
import HeapwiseCore
import SystemPackage

/// A framebuffer: imported buffers described as an image (format, size, modifier, per-plane
/// pitch and offset) that planes can scan out and writeback connectors can write.
///
/// Removed (`DRM_IOCTL_MODE_RMFB`) when this object goes away. It keeps its `GEMHandle`s,
/// and so the device and the memory, alive as long as it lives.
public final class DRMFramebuffer {
    public let device: DRMDevice
    public let id: UInt32
    public let request: FramebufferRequest
    let handles: [GEMHandle]
    private var removed = false

    init(device: DRMDevice, id: UInt32, request: FramebufferRequest, handles: [GEMHandle]) {
        self.device = device
        self.id = id
        self.request = request
        self.handles = handles
    }

    deinit { remove() }

    /// Removes the framebuffer now; later calls do nothing. If a plane is showing it, the
    /// kernel turns that plane off first (`drm_framebuffer_remove`).
    /// The corresponding ioctl is `DRM_IOCTL_MODE_RMFB`.
    public func remove() {
        guard !removed else { return }
        removed = true
        // ENOENT would mean it was removed behind Heapwise's back; nothing is left to release.
        _ = Syscalls.drmRemoveFB(device.fd, id)
    }
}

/// One plane of a framebuffer: which imported buffer holds it, where, and its row pitch.
public struct FramebufferPlane {
    public var buffer: GEMHandle
    public var offset: Int
    public var pitch: Int

    public init(buffer: GEMHandle, offset: Int, pitch: Int) {
        self.buffer = buffer
        self.offset = offset
        self.pitch = pitch
    }
}

extension DRMDevice {
    /// Creates a framebuffer for the buffers of one image of `plan`: each dma-buf is imported
    /// (its own GEM handle) and each plane of the plan's layout is passed with the pitch and
    /// offset the resolver computed. Mapping stays separate from allocation: nothing is copied.
    public func addFramebuffer(_ plan: Plan, width: Int, height: Int, buffers: [DMABuf]) throws(LinuxError) -> DRMFramebuffer {
        guard buffers.count == plan.layout.buffers.count else {
            throw LinuxError(code: .invalidArgument, node: path, operation: .drmAddFB2,
                             message: "\(driver): the plan's \(plan.format.name) layout has \(plan.layout.buffers.count) buffer(s) per image; \(buffers.count) given")
        }
        var handles: [GEMHandle] = []
        for buffer in buffers { handles.append(try importBuffer(buffer)) }
        let planes = Self.planeSlots(plan.layout).map {
            FramebufferPlane(buffer: handles[$0.buffer], offset: $0.offset, pitch: $0.pitch)
        }
        return try addFramebuffer(format: plan.format.fourcc, width: width, height: height, modifier: plan.modifier, planes: planes)
    }

    /// For each plane of the format, in plane order: the index of the image's buffer that
    /// holds it, its offset inside that buffer, and its pitch. ADDFB2 takes its arrays by
    /// plane number, while a layout lists planes by buffer.
    static func planeSlots(_ layout: ImageLayout) -> [(buffer: Int, offset: Int, pitch: Int)] {
        layout.buffers.enumerated()
            .flatMap { buffer, layout in layout.planes.map { (index: $0.index, slot: (buffer: buffer, offset: $0.offset, pitch: $0.stride)) } }
            .sorted { $0.index < $1.index }
            .map(\.slot)
    }

    /// Creates a framebuffer from explicit planes (indexed by the format's plane number).
    /// Flags `DRM_MODE_FB_MODIFIERS` unless `modifier` is `INVALID`, the implicit modifier,
    /// for which the driver picks the layout, or the driver takes no modifiers
    /// (`DRM_CAP_ADDFB2_MODIFIERS` off), where `LINEAR` goes without the flag and any other
    /// modifier is refused before the ioctl. The corresponding ioctl is `DRM_IOCTL_MODE_ADDFB2`.
    ///
    /// A refusal throws a `LinuxError` naming the driver, the ioctl, errno, what Heapwise
    /// passed (format, size, pitches, offsets) and, where one applies, the kernel check it failed.
    public func addFramebuffer(format: FourCC, width: Int, height: Int, modifier: Modifier, planes: [FramebufferPlane]) throws(LinuxError) -> DRMFramebuffer {
        let request = FramebufferRequest(
            format: format, width: width, height: height, modifier: modifier,
            planes: planes.map { .init(handle: $0.buffer.handle, offset: $0.offset, pitch: $0.pitch, bufferSize: $0.buffer.size) })
        let fits = { (value: Int) in value >= 0 && value <= Int(UInt32.max) }
        guard (1...4).contains(planes.count), fits(width), fits(height),
              planes.allSatisfy({ fits($0.offset) && fits($0.pitch) }) else {
            throw LinuxError(code: .invalidArgument, node: path, operation: .drmAddFB2,
                             message: "\(driver): \(request.summary) does not fit DRM_IOCTL_MODE_ADDFB2 (1 to 4 planes, 32-bit sizes)")
        }
        func padded<T: FixedWidthInteger>(_ values: [T]) -> [T] { values + Array(repeating: 0, count: 4 - values.count) }
        // A driver without DRM_CAP_ADDFB2_MODIFIERS refuses the flag (framebuffer_check) and
        // records a flagless framebuffer as LINEAR, so LINEAR goes without it there.
        let takesModifiers = capability(hw_DRM_CAP_ADDFB2_MODIFIERS).map { $0 != 0 } ?? false
        if !takesModifiers && modifier != .linear && modifier != .invalid {
            throw LinuxError(code: .unsupported, node: path, operation: .drmAddFB2,
                             message: "\(driver): \(request.summary): this driver takes no modifiers (no DRM_CAP_ADDFB2_MODIFIERS), so its framebuffers are LINEAR",
                             remedy: "plan with this device's probed profile, which offers LINEAR only")
        }
        let explicit = modifier != .invalid && takesModifiers
        let result = Syscalls.drmAddFB2(
            fd, width: UInt32(width), height: UInt32(height), format: format.rawValue,
            flags: explicit ? hw_DRM_MODE_FB_MODIFIERS : 0,
            handles: padded(planes.map(\.buffer.handle)), pitches: padded(planes.map { UInt32($0.pitch) }),
            offsets: padded(planes.map { UInt32($0.offset) }),
            modifiers: padded(planes.map { _ in explicit ? modifier.rawValue : 0 }))
        switch result {
        case let .success(id):
            return DRMFramebuffer(device: self, id: id, request: request, handles: planes.map(\.buffer))
        case let .failure(errno):
            var failure = error(errno, .drmAddFB2, "the framebuffer \(request.summary) was refused")
            let problems = request.problems()
            if !problems.isEmpty {
                failure.remedy = problems.joined(separator: "; ")
            } else if errno == .invalidArgument {
                failure.remedy = "the driver rejected this format, modifier or layout (its own rules; check the plane's IN_FORMATS and the driver's pitch alignment)"
            }
            throw failure
        }
    }
}
