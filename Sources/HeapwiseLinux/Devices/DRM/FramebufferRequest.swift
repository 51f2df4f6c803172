import HeapwiseCore

/// What Heapwise asks `DRM_IOCTL_MODE_ADDFB2` for, kept as plain values so a refusal can
/// say exactly what was passed and which of the kernel's checks it probably failed.
public struct FramebufferRequest: Hashable, Sendable {
    public struct Plane: Hashable, Sendable {
        public var handle: UInt32
        public var offset: Int
        public var pitch: Int
        /// The size of the buffer behind `handle`, for the size check.
        public var bufferSize: Int
    }

    public var format: FourCC
    public var width: Int
    public var height: Int
    public var modifier: Modifier
    /// Indexed by the format's plane number.
    public var planes: [Plane]

    /// `XRGB8888 640×480, modifier LINEAR, pitches [2560], offsets [0], handles [1]`.
    public var summary: String {
        "\(FormatInfo.lookup(format)?.name ?? format.description) \(width)×\(height), modifier \(modifier.name), "
            + "pitches \(planes.map(\.pitch)), offsets \(planes.map(\.offset)), handles \(planes.map(\.handle))"
    }

    /// The kernel's own framebuffer checks that this request fails, in its words where it has
    /// them: `framebuffer_check` (`drm_framebuffer.c`: plane count, minimum pitch) and
    /// `drm_gem_fb_init_with_funcs` (`drm_gem_framebuffer_helper.c`: the buffer must hold
    /// `(height - 1) × pitch + min_pitch + offset` bytes). Empty when none applies, as for a
    /// driver-specific refusal (a tiling rule, an unsupported format).
    public func problems() -> [String] {
        guard let info = FormatInfo.lookup(format) else {
            return ["\(format) is not a format of the kernel's drm_format_info table"]
        }
        guard planes.count == info.planes else {
            return ["\(info.name) has \(info.planes) plane(s); \(planes.count) given"]
        }
        if modifier == .linear && (0..<info.planes).contains(where: { info.blockWidth[$0] * info.blockHeight[$0] == 0 }) {
            return ["\(info.name) cannot be linear"]
        }
        var problems: [String] = []
        for (index, plane) in planes.enumerated() {
            let planeWidth = info.planeWidth(index, width: width)
            let planeHeight = info.planeHeight(index, height: height)
            guard let minPitch = info.minimumPitch(index, width: width),
                  let needed = info.minimumPlaneBytes(index, width: width, height: height, pitch: plane.pitch, offset: plane.offset)
            else {
                problems.append("plane \(index): \(width)×\(height) with pitch \(plane.pitch) and offset \(plane.offset) does not fit in 64-bit sizes")
                continue
            }
            if plane.pitch < minPitch {
                problems.append("plane \(index): pitch \(plane.pitch) < \(minPitch) bytes (\(planeWidth) pixels × \(info.cpp[index]) bytes)")
            }
            if plane.bufferSize < needed {
                problems.append("plane \(index): needs \(needed) bytes from its buffer ((\(planeHeight) - 1) × \(plane.pitch) + \(minPitch) + offset \(plane.offset)); the buffer has \(plane.bufferSize)")
            }
        }
        return problems
    }
}
