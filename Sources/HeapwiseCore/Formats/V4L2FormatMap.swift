/// One V4L2 pixel format and the DRM format with the same bytes in memory.
///
/// Both sides are fourccs packed the same way (`v4l2_fourcc` and `fourcc_code` are the
/// same macro), but equal codes do not mean equal formats and equal formats often have
/// different codes: V4L2 names RGB formats by their order in memory (`XBGR32` is B, G, R,
/// X), DRM by the order in a little-endian word (`XRGB8888` is the same B, G, R, X), and
/// V4L2's `AYUV32` shares DRM `AYUV`'s code with the opposite byte order. So every row
/// states both codes, and the tests check each against both headers and the byte orders
/// against both documents.
public struct V4L2FormatMapping: Hashable, Sendable, CustomStringConvertible {
    /// `V4L2_PIX_FMT_` name without the prefix: `NV12M`.
    public let v4l2Name: String
    public let v4l2: FourCC
    /// `DRM_FORMAT_` name without the prefix, as in `FormatInfo.drmFormats`: `NV12`.
    public let drmName: String
    public let drm: FourCC
    /// The V4L2 format keeps each colour plane in its own buffer (the multi-planar API's
    /// `…M` formats), where DRM describes one buffer with plane offsets.
    public let separateBuffers: Bool
    /// A V4L2 alias the V4L2 documents deprecate (its alpha/padding meaning is ambiguous):
    /// mapped from V4L2 to DRM, never chosen for the reverse direction.
    public let deprecated: Bool

    /// The DRM format's row in the kernel's table.
    public var format: FormatInfo? { FormatInfo.lookup(drm) }

    public var description: String {
        "\(v4l2Name) '\(v4l2)' ↔ \(drmName) '\(drm)'" + (separateBuffers ? " (separate buffers)" : "")
    }
}

/// The table between V4L2 pixel formats (`include/uapi/linux/videodev2.h`, Linux 6.1) and
/// DRM formats (`include/uapi/drm/drm_fourcc.h`), as data: lookups are generic over it.
///
/// Byte orders are from the V4L2 documentation's tables
/// (`Documentation/userspace-api/media/v4l/pixfmt-rgb.rst`, `pixfmt-packed-yuv.rst`,
/// `pixfmt-yuv-planar.rst`, `pixfmt-yuv-luma.rst`) and the comments of `drm_fourcc.h`.
public enum V4L2FormatMap {
    public static let mappings: [V4L2FormatMapping] = [
        // Packed YUV 4:2:2, two pixels in four bytes. pixfmt-packed-yuv.rst: YUYV is
        // Y'0 Cb0 Y'1 Cr0 in memory; drm_fourcc.h YUYV is [31:0] Cr0:Y1:Cb0:Y0 little endian:
        // the same bytes. Likewise UYVY, YVYU and VYUY: the names agree.
        row("YUYV", "YUYV", "YUYV", "YUYV"),
        row("UYVY", "UYVY", "UYVY", "UYVY"),
        row("YVYU", "YVYU", "YVYU", "YVYU"),
        row("VYUY", "VYUY", "VYUY", "VYUY"),

        // Semi-planar YUV in one buffer: Y plane, then interleaved chroma with Cb first for
        // NVx2/NVx6/NV24 (DRM: [15:0] Cr:Cb little endian) and Cr first for NV21/NV61/NV42.
        row("NV12", "NV12", "NV12", "NV12"),
        row("NV21", "NV21", "NV21", "NV21"),
        row("NV16", "NV16", "NV16", "NV16"),
        row("NV61", "NV61", "NV61", "NV61"),
        row("NV24", "NV24", "NV24", "NV24"),
        row("NV42", "NV42", "NV42", "NV42"),
        // P010: NV12 with 16-bit samples, data in the 10 high bits, little endian
        // (pixfmt-yuv-planar.rst); DRM: [15:0] Y:x 10:6 and [31:0] Cr:x:Cb:x.
        row("P010", "P010", "P010", "P010"),

        // The same in separate buffers (the multi-planar API's …M formats).
        row("NV12M", "NM12", "NV12", "NV12", separate: true),
        row("NV21M", "NM21", "NV21", "NV21", separate: true),
        row("NV16M", "NM16", "NV16", "NV16", separate: true),
        row("NV61M", "NM61", "NV61", "NV61", separate: true),

        // Planar YUV in one buffer: Y, then Cb, then Cr (Cr before Cb for YVU), each plane's
        // stride the luma stride divided by the horizontal subsampling.
        row("YUV410", "YUV9", "YUV410", "YUV9"),
        row("YVU410", "YVU9", "YVU410", "YVU9"),
        row("YUV411P", "411P", "YUV411", "YU11"),
        row("YUV420", "YU12", "YUV420", "YU12"),
        row("YVU420", "YV12", "YVU420", "YV12"),
        row("YUV422P", "422P", "YUV422", "YU16"),

        // Planar YUV in separate buffers.
        row("YUV420M", "YM12", "YUV420", "YU12", separate: true),
        row("YVU420M", "YM21", "YVU420", "YV12", separate: true),
        row("YUV422M", "YM16", "YUV422", "YU16", separate: true),
        row("YVU422M", "YM61", "YVU422", "YV16", separate: true),
        row("YUV444M", "YM24", "YUV444", "YU24", separate: true),
        row("YVU444M", "YM42", "YVU444", "YV24", separate: true),

        // Packed YUV, one pixel per 3 or 4 bytes. V4L2 names the memory order, DRM the word:
        // VUYA32 is Cr, Cb, Y', A in memory = DRM AYUV [31:0] A:Y:Cb:Cr little endian.
        row("VUYA32", "VUYA", "AYUV", "AYUV"),
        row("VUYX32", "VUYX", "XYUV8888", "XYUV"),
        // YUV24 is Y', Cb, Cr in memory = DRM VUY888 [23:0] Cr:Cb:Y little endian.
        row("YUV24", "YUV3", "VUY888", "VU24"),

        // 32-bit RGB (pixfmt-rgb.rst, "8 Bits Per Component"): XBGR32 is B, G, R, X in
        // memory = DRM XRGB8888 [31:0] x:R:G:B little endian; the codes agree ('XR24').
        row("XBGR32", "XR24", "XRGB8888", "XR24"),
        row("ABGR32", "AR24", "ARGB8888", "AR24"),
        row("BGRX32", "RX24", "RGBX8888", "RX24"),
        row("BGRA32", "RA24", "RGBA8888", "RA24"),
        row("RGBX32", "XB24", "XBGR8888", "XB24"),
        row("RGBA32", "AB24", "ABGR8888", "AB24"),
        row("XRGB32", "BX24", "BGRX8888", "BX24"),
        row("ARGB32", "BA24", "BGRA8888", "BA24"),
        // 24-bit RGB: BGR24 is B, G, R in memory = DRM RGB888 [23:0] R:G:B little endian,
        // so the names cross over (RGB24 ↔ BGR888).
        row("BGR24", "BGR3", "RGB888", "RG24"),
        row("RGB24", "RGB3", "BGR888", "BG24"),

        // 16- and 8-bit RGB: V4L2 names these by the little-endian word (pixfmt-rgb.rst,
        // "Less Than 8 Bits Per Component"), as DRM does, so the names agree; most codes too,
        // but V4L2 BGRA444 is 'GA12' because 'BA12' was taken by a Bayer format.
        row("RGB565", "RGBP", "RGB565", "RG16"),
        row("XRGB555", "XR15", "XRGB1555", "XR15"),
        row("ARGB555", "AR15", "ARGB1555", "AR15"),
        row("XBGR555", "XB15", "XBGR1555", "XB15"),
        row("ABGR555", "AB15", "ABGR1555", "AB15"),
        row("RGBX555", "RX15", "RGBX5551", "RX15"),
        row("RGBA555", "RA15", "RGBA5551", "RA15"),
        row("BGRX555", "BX15", "BGRX5551", "BX15"),
        row("BGRA555", "BA15", "BGRA5551", "BA15"),
        row("XRGB444", "XR12", "XRGB4444", "XR12"),
        row("ARGB444", "AR12", "ARGB4444", "AR12"),
        row("XBGR444", "XB12", "XBGR4444", "XB12"),
        row("ABGR444", "AB12", "ABGR4444", "AB12"),
        row("RGBX444", "RX12", "RGBX4444", "RX12"),
        row("RGBA444", "RA12", "RGBA4444", "RA12"),
        row("BGRX444", "BX12", "BGRX4444", "BX12"),
        row("BGRA444", "GA12", "BGRA4444", "BA12"),
        row("RGB332", "RGB1", "RGB332", "RGB8"),

        // Greyscale: one luma sample per pixel, little endian, low bits for 10 and 12 bits
        // (pixfmt-yuv-luma.rst) = DRM R8, R10 ([15:0] x:R 6:10), R12.
        row("GREY", "GREY", "R8", "R8  "),
        row("Y10", "Y10 ", "R10", "R10 "),
        row("Y12", "Y12 ", "R12", "R12 "),

        // Deprecated V4L2 aliases with an ambiguous alpha/padding component (pixfmt-rgb.rst,
        // "Deprecated RGB Formats"): drivers such as uvcvideo and vivid still list them.
        // V4L2 → DRM only; the padding reading is the safe one.
        row("BGR32", "BGR4", "XRGB8888", "XR24", deprecated: true),
        row("RGB32", "RGB4", "BGRX8888", "BX24", deprecated: true),
        row("RGB444", "R444", "XRGB4444", "XR12", deprecated: true),
        row("RGB555", "RGBO", "XRGB1555", "XR15", deprecated: true),
    ]

    /// V4L2 formats deliberately left out, with why: a near miss is worth explaining.
    public static let unmapped: [(v4l2Name: String, v4l2: FourCC, reason: String)] = [
        ("AYUV32", code("AYUV"), "same code as DRM AYUV but the opposite byte order (V4L2: A, Y', Cb, Cr in memory; DRM: Cr, Cb, Y, A)"),
        ("XYUV32", code("XYUV"), "same code as DRM XYUV8888 but the opposite byte order (V4L2: X, Y', Cb, Cr; DRM: Cr, Cb, Y, X)"),
        ("YUV32", code("YUV4"), "deprecated; A, Y', Cb, Cr in memory like AYUV32: no DRM format has this byte order"),
        ("YUVA32", code("YUVA"), "the byte order of DRM AVUY8888, which Linux 6.1's drm_format_info does not list"),
        ("YUVX32", code("YUVX"), "the byte order of DRM XVUY8888, which Linux 6.1's drm_format_info does not list"),
        ("Y16", code("Y16 "), "DRM R16, which Linux 6.1's drm_format_info does not list"),
        ("YUV444", code("Y444"), "packed 4:4:4 with 4-bit components; DRM YUV444 is planar (V4L2 YUV444M)"),
        ("RGB565X", code("RGBR"), "big-endian RGB565: DRM would need DRM_FORMAT_BIG_ENDIAN, which Heapwise does not model"),
        ("RGB555X", code("RGBQ"), "big-endian RGB555: DRM would need DRM_FORMAT_BIG_ENDIAN"),
        ("NV12MT", code("TM12"), "NV12 in Samsung 64x32 tiles: a DRM modifier (SAMSUNG_64_32_TILE), not a format"),
        ("NV12MT_16X16", code("VM12"), "NV12 in 16x16 tiles: a DRM modifier (SAMSUNG_16_16_TILE), not a format"),
    ]

    /// The DRM format with the same bytes as V4L2 format `code`, and whether its planes go
    /// in separate buffers; nil when DRM has no such format.
    public static func drmFormat(forV4L2 code: UInt32) -> (FormatInfo, separateBuffers: Bool)? {
        guard let row = Index.byV4L2[FourCC(rawValue: code)], let format = row.format else { return nil }
        return (format, row.separateBuffers)
    }

    /// The V4L2 format for DRM `format` laid out in one buffer or in separate ones; nil
    /// when V4L2 has none. Never a deprecated alias.
    public static func v4l2Format(forDRM format: FourCC, separateBuffers: Bool) -> UInt32? {
        Index.byDRM[Index.Key(drm: format, separate: separateBuffers)]?.v4l2.rawValue
    }

    /// The row for V4L2 format `code`, if mapped.
    public static func mapping(forV4L2 code: UInt32) -> V4L2FormatMapping? {
        Index.byV4L2[FourCC(rawValue: code)]
    }

    /// Why V4L2 format `code` has no DRM equivalent, when the table says.
    public static func unmappedReason(forV4L2 code: UInt32) -> String? {
        unmapped.first { $0.v4l2.rawValue == code }?.reason
    }

    private static func row(
        _ v4l2Name: String, _ v4l2: String, _ drmName: String, _ drm: String,
        separate: Bool = false, deprecated: Bool = false
    ) -> V4L2FormatMapping {
        V4L2FormatMapping(v4l2Name: v4l2Name, v4l2: code(v4l2), drmName: drmName, drm: code(drm),
                          separateBuffers: separate, deprecated: deprecated)
    }

    /// Packs a four-character literal of the table; a malformed one is a programmer error
    /// caught by the first test that touches the table.
    private static func code(_ text: String) -> FourCC {
        guard let code = FourCC(text) else { preconditionFailure("V4L2FormatMap: '\(text)' is not a fourcc") }
        return code
    }

    /// Dictionaries over `mappings`, built once. The first row wins, so a deprecated alias
    /// (listed last) never shadows the canonical V4L2 code of a DRM format.
    private enum Index {
        struct Key: Hashable { let drm: FourCC, separate: Bool }
        static let byV4L2: [FourCC: V4L2FormatMapping] = Dictionary(
            mappings.map { ($0.v4l2, $0) }, uniquingKeysWith: { first, _ in first })
        static let byDRM: [Key: V4L2FormatMapping] = Dictionary(
            mappings.filter { !$0.deprecated }.map { (Key(drm: $0.drm, separate: $0.separateBuffers), $0) },
            uniquingKeysWith: { first, _ in first })
    }
}
