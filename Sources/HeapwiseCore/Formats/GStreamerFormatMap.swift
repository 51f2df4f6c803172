/// DRM formats and the GStreamer video formats (`GstVideoFormat`, by their caps names) with
/// the same bytes in memory, for a linear layout.
///
/// GStreamer names packed RGB by byte order in memory, DRM by the order in a little-endian
/// word, so `XRGB8888` (bytes B, G, R, X) is GStreamer's `BGRx`. The rows follow the table
/// GStreamer ≥ 1.24 itself keeps between the two (`gst_video_dma_drm_fourcc_to_format`,
/// gst-plugins-base `video-info-dma.c`) and kmssink's (`gstkmsutils.c`), so a caps string
/// Heapwise prints is the one those elements negotiate.
public enum GStreamerFormatMap {
    /// `DRM_FORMAT_` name without the prefix → GStreamer format name.
    public static let mappings: [(drm: String, gstreamer: String)] = [
        // Packed YUV 4:2:2.
        ("YUYV", "YUY2"), ("YVYU", "YVYU"), ("UYVY", "UYVY"), ("VYUY", "VYUY"),
        // Two-plane YUV.
        ("NV12", "NV12"), ("NV21", "NV21"), ("NV16", "NV16"), ("NV61", "NV61"), ("NV24", "NV24"),
        ("P010", "P010_10LE"), ("P012", "P012_LE"),
        // Three-plane YUV.
        ("YUV410", "YUV9"), ("YVU410", "YVU9"), ("YUV411", "Y41B"), ("YUV420", "I420"), ("YVU420", "YV12"),
        ("YUV422", "Y42B"), ("YUV444", "Y444"),
        // Packed RGB: DRM word order ↔ GStreamer memory order.
        ("RGB565", "RGB16"), ("BGR565", "BGR16"),
        ("RGB888", "BGR"), ("BGR888", "RGB"),
        ("XRGB8888", "BGRx"), ("ARGB8888", "BGRA"), ("XBGR8888", "RGBx"), ("ABGR8888", "RGBA"),
        ("BGRX8888", "xRGB"), ("BGRA8888", "ARGB"), ("RGBX8888", "xBGR"), ("RGBA8888", "ABGR"),
        ("ARGB2101010", "BGR10A2_LE"), ("ABGR2101010", "RGB10A2_LE"),
        // Luma only.
        ("R8", "GRAY8"),
        // Packed 10/12-bit YUV.
        ("Y410", "Y410"), ("Y210", "Y210"), ("Y412", "Y412_LE"), ("Y212", "Y212_LE"),
    ]

    private static let byDRMName: [String: String] = Dictionary(uniqueKeysWithValues: mappings.map { ($0.drm, $0.gstreamer) })

    /// The GStreamer format of a DRM format (`XRGB8888` → `BGRx`), nil when GStreamer has none.
    public static func gstreamerFormat(drmName: String) -> String? { byDRMName[drmName] }
}

/// A plan's choice as GStreamer caps, the strings a pipeline author pastes between elements.
public struct GStreamerCaps: Hashable, Sendable {
    /// Classic raw-video caps (`video/x-raw,format=NV12,width=…`), which imply a linear
    /// layout: nil when the choice is tiled or compressed, or GStreamer has no such format.
    public var classic: String?
    /// GStreamer ≥ 1.24's DMA-DRM caps, which carry any modifier:
    /// `video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=NV12:0x0100000000000002,…`.
    /// The drm-format field is the fourcc's four characters, then `:0x` and 16 hex digits
    /// unless the modifier is linear (`gst_video_dma_drm_fourcc_to_string`).
    public var dmaDRM: String

    public init(fourcc: FourCC, format: String, modifier: UInt64, width: Int, height: Int) {
        let size = "width=\(width),height=\(height)"
        let isLinear = modifier == Modifier.linear.rawValue
        classic = isLinear ? GStreamerFormatMap.gstreamerFormat(drmName: format).map { "video/x-raw,format=\($0),\(size)" } : nil
        let hex = String(modifier, radix: 16)
        let drmFormat = isLinear ? fourcc.description : "\(fourcc):0x" + String(repeating: "0", count: 16 - hex.count) + hex
        // A fourcc padded with spaces (`R8  `) must be quoted to survive gst_caps_from_string.
        let field = drmFormat.contains(" ") ? "\"\(drmFormat)\"" : drmFormat
        dmaDRM = "video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=\(field),\(size)"
    }

    public init(_ choice: PipelinePlan.Choice, width: Int, height: Int) {
        self.init(fourcc: choice.fourcc, format: choice.format, modifier: choice.modifierValue, width: width, height: height)
    }
}
