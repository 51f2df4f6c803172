/// Where one plane lives inside its buffer.
public struct PlaneLayout: Hashable, Sendable {
    /// The plane's index in the format (0 = luma or packed pixels).
    public let index: Int
    public let offset: Int
    /// Bytes per row (`pitches[]` in `drm_mode_fb_cmd2`, `bytesperline` in V4L2).
    public let stride: Int
    public let size: Int
}

/// One allocation: a dma-buf holding one or more planes, each from offset 0 upward.
public struct BufferLayout: Hashable, Sendable {
    public let planes: [PlaneLayout]
    /// Bytes to allocate, after `size_alignment`.
    public let size: Int
}

/// The memory layout of one image: a single buffer, or several when planes must be placed in
/// separate regions.
public struct ImageLayout: Hashable, Sendable {
    public let buffers: [BufferLayout]
    /// Sum of the buffers' sizes.
    public let size: Int

    /// The largest stride of any plane, checked against devices' `max_pitch`.
    public var maxStride: Int { buffers.lazy.flatMap(\.planes).map(\.stride).max() ?? 0 }
}

/// Why no layout could be computed.
public enum LayoutError: Error, Hashable, Sendable, CustomStringConvertible {
    case overflow(width: Int, height: Int)
    case opaqueModifier(Modifier, reason: String)

    public var description: String {
        switch self {
        case let .overflow(width, height):
            "a \(width)×\(height) image does not fit in 64-bit sizes; use a smaller width or height"
        case let .opaqueModifier(modifier, reason):
            "Heapwise cannot compute the layout of \(modifier.name): \(reason)"
        }
    }
}
