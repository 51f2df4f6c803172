import Testing

@testable import HeapwiseCore

/// What each mapping must be, written down independently of the table:
/// - codes: the values of `V4L2_PIX_FMT_*` (`/usr/include/linux/videodev2.h`, Debian
///   linux-libc-dev 6.1.192) and `DRM_FORMAT_*` (`include/uapi/drm/drm_fourcc.h`, Linux
///   6.1), printed by a C program that included both headers;
/// - colour planes and subsampling: from the V4L2 documentation's format pages;
/// - bytes in memory, per colour plane: the V4L2 documentation's byte-order tables
///   (`Documentation/userspace-api/media/v4l/pixfmt-rgb.rst`, `pixfmt-packed-yuv.rst`,
///   `pixfmt-yuv-planar.rst`, `pixfmt-yuv-luma.rst`) in the notation below, and the
///   `drm_fourcc.h` comment for the same plane, verbatim.
///
/// V4L2 notation: bytes in memory order separated by commas; a byte is either one whole
/// 8-bit component (`Cb0`) or its bits from bit 7 down (`g2 g1 g0 b4 b3 b2 b1 b0`), where
/// `c[h:l]` stands for bits h down to l of component c and `x` is a padding bit.
private struct Expected: CustomTestStringConvertible {
    let v4l2Name: String
    let v4l2Code: UInt32
    let drmName: String
    let drmCode: UInt32
    var separate = false
    var deprecated = false
    let planes: Int
    var hsub = 1
    var vsub = 1
    /// Per colour plane, the V4L2 document's bytes.
    let v4l2Bytes: [String]
    /// Per colour plane, the `drm_fourcc.h` comment.
    let drmWord: [String]
    /// DRM calls the single grey channel R; V4L2 calls it Y'.
    var greyAsRed = false

    var testDescription: String { "\(v4l2Name) ↔ \(drmName)" }
}

private let nv = (y: "[7:0] Y", crcb: "[15:0] Cr:Cb little endian", cbcr: "[15:0] Cb:Cr little endian")
private let planar = (y: "[7:0] Y", cb: "[7:0] Cb", cr: "[7:0] Cr")

private let expected: [Expected] = [
    // Packed YUV 4:2:2 (pixfmt-packed-yuv.rst, "Packed YUV 4:2:2").
    Expected(v4l2Name: "YUYV", v4l2Code: 0x5659_5559, drmName: "YUYV", drmCode: 0x5659_5559, planes: 1, hsub: 2,
             v4l2Bytes: ["Y0, Cb0, Y1, Cr0"], drmWord: ["[31:0] Cr0:Y1:Cb0:Y0 8:8:8:8 little endian"]),
    Expected(v4l2Name: "UYVY", v4l2Code: 0x5956_5955, drmName: "UYVY", drmCode: 0x5956_5955, planes: 1, hsub: 2,
             v4l2Bytes: ["Cb0, Y0, Cr0, Y1"], drmWord: ["[31:0] Y1:Cr0:Y0:Cb0 8:8:8:8 little endian"]),
    Expected(v4l2Name: "YVYU", v4l2Code: 0x5559_5659, drmName: "YVYU", drmCode: 0x5559_5659, planes: 1, hsub: 2,
             v4l2Bytes: ["Y0, Cr0, Y1, Cb0"], drmWord: ["[31:0] Cb0:Y1:Cr0:Y0 8:8:8:8 little endian"]),
    Expected(v4l2Name: "VYUY", v4l2Code: 0x5955_5956, drmName: "VYUY", drmCode: 0x5955_5956, planes: 1, hsub: 2,
             v4l2Bytes: ["Cr0, Y0, Cb0, Y1"], drmWord: ["[31:0] Y1:Cb0:Y0:Cr0 8:8:8:8 little endian"]),

    // Semi-planar (pixfmt-yuv-planar.rst, "Semi-Planar YUV Formats"); DRM: the "2 plane YCbCr" comment.
    Expected(v4l2Name: "NV12", v4l2Code: 0x3231_564E, drmName: "NV12", drmCode: 0x3231_564E, planes: 2, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cb, Cr"], drmWord: [nv.y, nv.crcb]),
    Expected(v4l2Name: "NV21", v4l2Code: 0x3132_564E, drmName: "NV21", drmCode: 0x3132_564E, planes: 2, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cr, Cb"], drmWord: [nv.y, nv.cbcr]),
    Expected(v4l2Name: "NV16", v4l2Code: 0x3631_564E, drmName: "NV16", drmCode: 0x3631_564E, planes: 2, hsub: 2,
             v4l2Bytes: ["Y", "Cb, Cr"], drmWord: [nv.y, nv.crcb]),
    Expected(v4l2Name: "NV61", v4l2Code: 0x3136_564E, drmName: "NV61", drmCode: 0x3136_564E, planes: 2, hsub: 2,
             v4l2Bytes: ["Y", "Cr, Cb"], drmWord: [nv.y, nv.cbcr]),
    Expected(v4l2Name: "NV24", v4l2Code: 0x3432_564E, drmName: "NV24", drmCode: 0x3432_564E, planes: 2,
             v4l2Bytes: ["Y", "Cb, Cr"], drmWord: [nv.y, nv.crcb]),
    Expected(v4l2Name: "NV42", v4l2Code: 0x3234_564E, drmName: "NV42", drmCode: 0x3234_564E, planes: 2,
             v4l2Bytes: ["Y", "Cr, Cb"], drmWord: [nv.y, nv.cbcr]),
    // "P010 is like NV12 with 10 bits per component, expanded to 16 bits. Data in the 10
    // high bits, zeros in the 6 low bits, arranged in little endian order."
    Expected(v4l2Name: "P010", v4l2Code: 0x3031_3050, drmName: "P010", drmCode: 0x3031_3050, planes: 2, hsub: 2, vsub: 2,
             v4l2Bytes: ["y[1:0] x x x x x x, y[9:2]", "cb[1:0] x x x x x x, cb[9:2], cr[1:0] x x x x x x, cr[9:2]"],
             drmWord: ["[15:0] Y:x [10:6] little endian", "[31:0] Cr:x:Cb:x [10:6:10:6] little endian"]),
    Expected(v4l2Name: "NV12M", v4l2Code: 0x3231_4D4E, drmName: "NV12", drmCode: 0x3231_564E, separate: true, planes: 2, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cb, Cr"], drmWord: [nv.y, nv.crcb]),
    Expected(v4l2Name: "NV21M", v4l2Code: 0x3132_4D4E, drmName: "NV21", drmCode: 0x3132_564E, separate: true, planes: 2, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cr, Cb"], drmWord: [nv.y, nv.cbcr]),
    Expected(v4l2Name: "NV16M", v4l2Code: 0x3631_4D4E, drmName: "NV16", drmCode: 0x3631_564E, separate: true, planes: 2, hsub: 2,
             v4l2Bytes: ["Y", "Cb, Cr"], drmWord: [nv.y, nv.crcb]),
    Expected(v4l2Name: "NV61M", v4l2Code: 0x3136_4D4E, drmName: "NV61", drmCode: 0x3136_564E, separate: true, planes: 2, hsub: 2,
             v4l2Bytes: ["Y", "Cr, Cb"], drmWord: [nv.y, nv.cbcr]),

    // Fully planar (pixfmt-yuv-planar.rst, "Fully Planar YUV Formats"); DRM: "3 plane YCbCr".
    Expected(v4l2Name: "YUV410", v4l2Code: 0x3956_5559, drmName: "YUV410", drmCode: 0x3956_5559, planes: 3, hsub: 4, vsub: 4,
             v4l2Bytes: ["Y", "Cb", "Cr"], drmWord: [planar.y, planar.cb, planar.cr]),
    Expected(v4l2Name: "YVU410", v4l2Code: 0x3955_5659, drmName: "YVU410", drmCode: 0x3955_5659, planes: 3, hsub: 4, vsub: 4,
             v4l2Bytes: ["Y", "Cr", "Cb"], drmWord: [planar.y, planar.cr, planar.cb]),
    Expected(v4l2Name: "YUV411P", v4l2Code: 0x5031_3134, drmName: "YUV411", drmCode: 0x3131_5559, planes: 3, hsub: 4,
             v4l2Bytes: ["Y", "Cb", "Cr"], drmWord: [planar.y, planar.cb, planar.cr]),
    Expected(v4l2Name: "YUV420", v4l2Code: 0x3231_5559, drmName: "YUV420", drmCode: 0x3231_5559, planes: 3, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cb", "Cr"], drmWord: [planar.y, planar.cb, planar.cr]),
    Expected(v4l2Name: "YVU420", v4l2Code: 0x3231_5659, drmName: "YVU420", drmCode: 0x3231_5659, planes: 3, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cr", "Cb"], drmWord: [planar.y, planar.cr, planar.cb]),
    Expected(v4l2Name: "YUV422P", v4l2Code: 0x5032_3234, drmName: "YUV422", drmCode: 0x3631_5559, planes: 3, hsub: 2,
             v4l2Bytes: ["Y", "Cb", "Cr"], drmWord: [planar.y, planar.cb, planar.cr]),
    Expected(v4l2Name: "YUV420M", v4l2Code: 0x3231_4D59, drmName: "YUV420", drmCode: 0x3231_5559, separate: true, planes: 3, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cb", "Cr"], drmWord: [planar.y, planar.cb, planar.cr]),
    Expected(v4l2Name: "YVU420M", v4l2Code: 0x3132_4D59, drmName: "YVU420", drmCode: 0x3231_5659, separate: true, planes: 3, hsub: 2, vsub: 2,
             v4l2Bytes: ["Y", "Cr", "Cb"], drmWord: [planar.y, planar.cr, planar.cb]),
    Expected(v4l2Name: "YUV422M", v4l2Code: 0x3631_4D59, drmName: "YUV422", drmCode: 0x3631_5559, separate: true, planes: 3, hsub: 2,
             v4l2Bytes: ["Y", "Cb", "Cr"], drmWord: [planar.y, planar.cb, planar.cr]),
    Expected(v4l2Name: "YVU422M", v4l2Code: 0x3136_4D59, drmName: "YVU422", drmCode: 0x3631_5659, separate: true, planes: 3, hsub: 2,
             v4l2Bytes: ["Y", "Cr", "Cb"], drmWord: [planar.y, planar.cr, planar.cb]),
    Expected(v4l2Name: "YUV444M", v4l2Code: 0x3432_4D59, drmName: "YUV444", drmCode: 0x3432_5559, separate: true, planes: 3,
             v4l2Bytes: ["Y", "Cb", "Cr"], drmWord: [planar.y, planar.cb, planar.cr]),
    Expected(v4l2Name: "YVU444M", v4l2Code: 0x3234_4D59, drmName: "YVU444", drmCode: 0x3432_5659, separate: true, planes: 3,
             v4l2Bytes: ["Y", "Cr", "Cb"], drmWord: [planar.y, planar.cr, planar.cb]),

    // Packed YUV 4:4:4 (pixfmt-packed-yuv.rst, "Packed YUV 4:4:4").
    Expected(v4l2Name: "VUYA32", v4l2Code: 0x4159_5556, drmName: "AYUV", drmCode: 0x5655_5941, planes: 1,
             v4l2Bytes: ["Cr, Cb, Y, A"], drmWord: ["[31:0] A:Y:Cb:Cr 8:8:8:8 little endian"]),
    Expected(v4l2Name: "VUYX32", v4l2Code: 0x5859_5556, drmName: "XYUV8888", drmCode: 0x5655_5958, planes: 1,
             v4l2Bytes: ["Cr, Cb, Y, X"], drmWord: ["[31:0] X:Y:Cb:Cr 8:8:8:8 little endian"]),
    Expected(v4l2Name: "YUV24", v4l2Code: 0x3356_5559, drmName: "VUY888", drmCode: 0x3432_5556, planes: 1,
             v4l2Bytes: ["Y, Cb, Cr"], drmWord: ["[23:0] Cr:Cb:Y 8:8:8 little endian"]),

    // RGB, 8 bits per component (pixfmt-rgb.rst).
    Expected(v4l2Name: "XBGR32", v4l2Code: 0x3432_5258, drmName: "XRGB8888", drmCode: 0x3432_5258, planes: 1,
             v4l2Bytes: ["B, G, R, X"], drmWord: ["[31:0] x:R:G:B 8:8:8:8 little endian"]),
    Expected(v4l2Name: "ABGR32", v4l2Code: 0x3432_5241, drmName: "ARGB8888", drmCode: 0x3432_5241, planes: 1,
             v4l2Bytes: ["B, G, R, A"], drmWord: ["[31:0] A:R:G:B 8:8:8:8 little endian"]),
    Expected(v4l2Name: "BGRX32", v4l2Code: 0x3432_5852, drmName: "RGBX8888", drmCode: 0x3432_5852, planes: 1,
             v4l2Bytes: ["X, B, G, R"], drmWord: ["[31:0] R:G:B:x 8:8:8:8 little endian"]),
    Expected(v4l2Name: "BGRA32", v4l2Code: 0x3432_4152, drmName: "RGBA8888", drmCode: 0x3432_4152, planes: 1,
             v4l2Bytes: ["A, B, G, R"], drmWord: ["[31:0] R:G:B:A 8:8:8:8 little endian"]),
    Expected(v4l2Name: "RGBX32", v4l2Code: 0x3432_4258, drmName: "XBGR8888", drmCode: 0x3432_4258, planes: 1,
             v4l2Bytes: ["R, G, B, X"], drmWord: ["[31:0] x:B:G:R 8:8:8:8 little endian"]),
    Expected(v4l2Name: "RGBA32", v4l2Code: 0x3432_4241, drmName: "ABGR8888", drmCode: 0x3432_4241, planes: 1,
             v4l2Bytes: ["R, G, B, A"], drmWord: ["[31:0] A:B:G:R 8:8:8:8 little endian"]),
    Expected(v4l2Name: "XRGB32", v4l2Code: 0x3432_5842, drmName: "BGRX8888", drmCode: 0x3432_5842, planes: 1,
             v4l2Bytes: ["X, R, G, B"], drmWord: ["[31:0] B:G:R:x 8:8:8:8 little endian"]),
    Expected(v4l2Name: "ARGB32", v4l2Code: 0x3432_4142, drmName: "BGRA8888", drmCode: 0x3432_4142, planes: 1,
             v4l2Bytes: ["A, R, G, B"], drmWord: ["[31:0] B:G:R:A 8:8:8:8 little endian"]),
    Expected(v4l2Name: "BGR24", v4l2Code: 0x3352_4742, drmName: "RGB888", drmCode: 0x3432_4752, planes: 1,
             v4l2Bytes: ["B, G, R"], drmWord: ["[23:0] R:G:B little endian"]),
    Expected(v4l2Name: "RGB24", v4l2Code: 0x3342_4752, drmName: "BGR888", drmCode: 0x3432_4742, planes: 1,
             v4l2Bytes: ["R, G, B"], drmWord: ["[23:0] B:G:R little endian"]),

    // RGB, less than 8 bits per component (pixfmt-rgb.rst), bit by bit as the tables draw them.
    Expected(v4l2Name: "RGB565", v4l2Code: 0x5042_4752, drmName: "RGB565", drmCode: 0x3631_4752, planes: 1,
             v4l2Bytes: ["g2 g1 g0 b4 b3 b2 b1 b0, r4 r3 r2 r1 r0 g5 g4 g3"], drmWord: ["[15:0] R:G:B 5:6:5 little endian"]),
    Expected(v4l2Name: "XRGB555", v4l2Code: 0x3531_5258, drmName: "XRGB1555", drmCode: 0x3531_5258, planes: 1,
             v4l2Bytes: ["g2 g1 g0 b4 b3 b2 b1 b0, x r4 r3 r2 r1 r0 g4 g3"], drmWord: ["[15:0] x:R:G:B 1:5:5:5 little endian"]),
    Expected(v4l2Name: "ARGB555", v4l2Code: 0x3531_5241, drmName: "ARGB1555", drmCode: 0x3531_5241, planes: 1,
             v4l2Bytes: ["g2 g1 g0 b4 b3 b2 b1 b0, a0 r4 r3 r2 r1 r0 g4 g3"], drmWord: ["[15:0] A:R:G:B 1:5:5:5 little endian"]),
    Expected(v4l2Name: "XBGR555", v4l2Code: 0x3531_4258, drmName: "XBGR1555", drmCode: 0x3531_4258, planes: 1,
             v4l2Bytes: ["g2 g1 g0 r4 r3 r2 r1 r0, x b4 b3 b2 b1 b0 g4 g3"], drmWord: ["[15:0] x:B:G:R 1:5:5:5 little endian"]),
    Expected(v4l2Name: "ABGR555", v4l2Code: 0x3531_4241, drmName: "ABGR1555", drmCode: 0x3531_4241, planes: 1,
             v4l2Bytes: ["g2 g1 g0 r4 r3 r2 r1 r0, a0 b4 b3 b2 b1 b0 g4 g3"], drmWord: ["[15:0] A:B:G:R 1:5:5:5 little endian"]),
    Expected(v4l2Name: "RGBX555", v4l2Code: 0x3531_5852, drmName: "RGBX5551", drmCode: 0x3531_5852, planes: 1,
             v4l2Bytes: ["g1 g0 b4 b3 b2 b1 b0 x, r4 r3 r2 r1 r0 g4 g3 g2"], drmWord: ["[15:0] R:G:B:x 5:5:5:1 little endian"]),
    Expected(v4l2Name: "RGBA555", v4l2Code: 0x3531_4152, drmName: "RGBA5551", drmCode: 0x3531_4152, planes: 1,
             v4l2Bytes: ["g1 g0 b4 b3 b2 b1 b0 a0, r4 r3 r2 r1 r0 g4 g3 g2"], drmWord: ["[15:0] R:G:B:A 5:5:5:1 little endian"]),
    Expected(v4l2Name: "BGRX555", v4l2Code: 0x3531_5842, drmName: "BGRX5551", drmCode: 0x3531_5842, planes: 1,
             v4l2Bytes: ["g1 g0 r4 r3 r2 r1 r0 x, b4 b3 b2 b1 b0 g4 g3 g2"], drmWord: ["[15:0] B:G:R:x 5:5:5:1 little endian"]),
    Expected(v4l2Name: "BGRA555", v4l2Code: 0x3531_4142, drmName: "BGRA5551", drmCode: 0x3531_4142, planes: 1,
             v4l2Bytes: ["g1 g0 r4 r3 r2 r1 r0 a0, b4 b3 b2 b1 b0 g4 g3 g2"], drmWord: ["[15:0] B:G:R:A 5:5:5:1 little endian"]),
    Expected(v4l2Name: "XRGB444", v4l2Code: 0x3231_5258, drmName: "XRGB4444", drmCode: 0x3231_5258, planes: 1,
             v4l2Bytes: ["g[3:0] b[3:0], x x x x r[3:0]"], drmWord: ["[15:0] x:R:G:B 4:4:4:4 little endian"]),
    Expected(v4l2Name: "ARGB444", v4l2Code: 0x3231_5241, drmName: "ARGB4444", drmCode: 0x3231_5241, planes: 1,
             v4l2Bytes: ["g[3:0] b[3:0], a[3:0] r[3:0]"], drmWord: ["[15:0] A:R:G:B 4:4:4:4 little endian"]),
    Expected(v4l2Name: "XBGR444", v4l2Code: 0x3231_4258, drmName: "XBGR4444", drmCode: 0x3231_4258, planes: 1,
             v4l2Bytes: ["g[3:0] r[3:0], x x x x b[3:0]"], drmWord: ["[15:0] x:B:G:R 4:4:4:4 little endian"]),
    Expected(v4l2Name: "ABGR444", v4l2Code: 0x3231_4241, drmName: "ABGR4444", drmCode: 0x3231_4241, planes: 1,
             v4l2Bytes: ["g[3:0] r[3:0], a[3:0] b[3:0]"], drmWord: ["[15:0] A:B:G:R 4:4:4:4 little endian"]),
    Expected(v4l2Name: "RGBX444", v4l2Code: 0x3231_5852, drmName: "RGBX4444", drmCode: 0x3231_5852, planes: 1,
             v4l2Bytes: ["b[3:0] x x x x, r[3:0] g[3:0]"], drmWord: ["[15:0] R:G:B:x 4:4:4:4 little endian"]),
    Expected(v4l2Name: "RGBA444", v4l2Code: 0x3231_4152, drmName: "RGBA4444", drmCode: 0x3231_4152, planes: 1,
             v4l2Bytes: ["b[3:0] a[3:0], r[3:0] g[3:0]"], drmWord: ["[15:0] R:G:B:A 4:4:4:4 little endian"]),
    Expected(v4l2Name: "BGRX444", v4l2Code: 0x3231_5842, drmName: "BGRX4444", drmCode: 0x3231_5842, planes: 1,
             v4l2Bytes: ["r[3:0] x x x x, b[3:0] g[3:0]"], drmWord: ["[15:0] B:G:R:x 4:4:4:4 little endian"]),
    // V4L2_PIX_FMT_BGRA444 is v4l2_fourcc('G', 'A', '1', '2') in the header (the document's
    // table still says 'BA12'): a different code from DRM_FORMAT_BGRA4444 for the same bytes.
    Expected(v4l2Name: "BGRA444", v4l2Code: 0x3231_4147, drmName: "BGRA4444", drmCode: 0x3231_4142, planes: 1,
             v4l2Bytes: ["r[3:0] a[3:0], b[3:0] g[3:0]"], drmWord: ["[15:0] B:G:R:A 4:4:4:4 little endian"]),
    Expected(v4l2Name: "RGB332", v4l2Code: 0x3142_4752, drmName: "RGB332", drmCode: 0x3842_4752, planes: 1,
             v4l2Bytes: ["r[2:0] g[2:0] b[1:0]"], drmWord: ["[7:0] R:G:B 3:3:2"]),

    // Luma only (pixfmt-yuv-luma.rst): Y'0[7:0], then `000000` Y'0[9:8] for Y10.
    Expected(v4l2Name: "GREY", v4l2Code: 0x5945_5247, drmName: "R8", drmCode: 0x2020_3852, planes: 1,
             v4l2Bytes: ["Y"], drmWord: ["[7:0] R"], greyAsRed: true),
    Expected(v4l2Name: "Y10", v4l2Code: 0x2030_3159, drmName: "R10", drmCode: 0x2030_3152, planes: 1,
             v4l2Bytes: ["y[7:0], x x x x x x y[9:8]"], drmWord: ["[15:0] x:R 6:10 little endian"], greyAsRed: true),
    Expected(v4l2Name: "Y12", v4l2Code: 0x2032_3159, drmName: "R12", drmCode: 0x2032_3152, planes: 1,
             v4l2Bytes: ["y[7:0], x x x x y[11:8]"], drmWord: ["[15:0] x:R 4:12 little endian"], greyAsRed: true),

    // Deprecated (pixfmt-rgb.rst, "Deprecated RGB Formats"): the document draws an alpha
    // component whose meaning drivers disagree on; mapped as padding.
    Expected(v4l2Name: "BGR32", v4l2Code: 0x3452_4742, drmName: "XRGB8888", drmCode: 0x3432_5258, deprecated: true, planes: 1,
             v4l2Bytes: ["B, G, R, X"], drmWord: ["[31:0] x:R:G:B 8:8:8:8 little endian"]),
    Expected(v4l2Name: "RGB32", v4l2Code: 0x3442_4752, drmName: "BGRX8888", drmCode: 0x3432_5842, deprecated: true, planes: 1,
             v4l2Bytes: ["X, R, G, B"], drmWord: ["[31:0] B:G:R:x 8:8:8:8 little endian"]),
    Expected(v4l2Name: "RGB444", v4l2Code: 0x3434_3452, drmName: "XRGB4444", drmCode: 0x3231_5258, deprecated: true, planes: 1,
             v4l2Bytes: ["g[3:0] b[3:0], x x x x r[3:0]"], drmWord: ["[15:0] x:R:G:B 4:4:4:4 little endian"]),
    Expected(v4l2Name: "RGB555", v4l2Code: 0x4F42_4752, drmName: "XRGB1555", drmCode: 0x3531_5258, deprecated: true, planes: 1,
             v4l2Bytes: ["g2 g1 g0 b4 b3 b2 b1 b0, x r4 r3 r2 r1 r0 g4 g3"], drmWord: ["[15:0] x:R:G:B 1:5:5:5 little endian"]),
]

/// Expands a V4L2 byte-order description into one label per bit, in memory order (byte 0
/// first, each byte from bit 7 down): `"Cb0"` → `cb0.7 … cb0.0`, `"g[3:0]"` → `g.3 … g.0`.
private func v4l2Bits(_ text: String, greyAsRed: Bool) -> [String] {
    func name(_ s: Substring) -> String {
        let lower = s.lowercased()
        return greyAsRed && lower.hasPrefix("y") ? "r" + lower.dropFirst() : lower
    }
    var bits: [String] = []
    for byte in text.split(separator: ",") {
        let tokens = byte.split(separator: " ")
        if tokens.count == 1, !tokens[0].contains("[") {
            let component = name(tokens[0])
            bits += component == "x" ? Array(repeating: "x", count: 8) : (0..<8).reversed().map { "\(component).\($0)" }
            continue
        }
        for token in tokens {
            if let open = token.firstIndex(of: "["), let colon = token.firstIndex(of: ":"),
               let high = Int(token[token.index(after: open)..<colon]),
               let low = Int(token[token.index(after: colon)...].dropLast()) {
                let component = name(token[..<open])
                bits += (low...high).reversed().map { "\(component).\($0)" }
            } else if token.lowercased() == "x" {
                bits.append("x")
            } else {
                // `g2`: component g, bit 2.
                let digits = token.reversed().prefix { $0.isNumber }.count
                bits.append("\(name(token.dropLast(digits))).\(token.suffix(digits))")
            }
        }
    }
    return bits
}

/// Expands a `drm_fourcc.h` comment (`[31:0] Cr0:Y1:Cb0:Y0 8:8:8:8 little endian`) into the
/// same per-bit labels in memory order: components from the top bit down, equal widths when
/// none are given, then little-endian bytes.
private func drmBits(_ text: String) -> [String] {
    let words = text.replacingOccurrences(of: "[", with: " ").replacingOccurrences(of: "]", with: " ")
        .split(separator: " ").filter { $0 != "little" && $0 != "endian" }
    guard words.count >= 2, let total = Int(words[0].split(separator: ":")[0]).map({ $0 + 1 }) else { return [] }
    let components = words[1].split(separator: ":").map { $0.lowercased() }
    let widths = words.count > 2 ? words[2].split(separator: ":").compactMap { Int($0) }
                                 : Array(repeating: total / components.count, count: components.count)
    var msbFirst: [String] = []
    for (component, width) in zip(components, widths) {
        msbFirst += component == "x" ? Array(repeating: "x", count: width) : (0..<width).reversed().map { "\(component).\($0)" }
    }
    let lsbFirst = Array(msbFirst.reversed())
    // Byte k holds bits 8k+7 … 8k: print each byte from its bit 7 down.
    return stride(from: 0, to: lsbFirst.count, by: 8).flatMap { start in
        lsbFirst[start..<min(start + 8, lsbFirst.count)].reversed()
    }
}

@Suite struct V4L2FormatMapTests {
    @Test(arguments: expected)
    fileprivate func codesMatchBothHeaders(_ row: Expected) throws {
        let mapping = try #require(V4L2FormatMap.mapping(forV4L2: row.v4l2Code), "V4L2_PIX_FMT_\(row.v4l2Name) is mapped")
        #expect(mapping.v4l2Name == row.v4l2Name)
        #expect(mapping.v4l2.rawValue == row.v4l2Code)
        #expect(mapping.drmName == row.drmName)
        #expect(mapping.drm.rawValue == row.drmCode)
        #expect(mapping.separateBuffers == row.separate)
        #expect(mapping.deprecated == row.deprecated)
        let (format, separate) = try #require(V4L2FormatMap.drmFormat(forV4L2: row.v4l2Code))
        #expect(format.name == row.drmName)
        #expect(format.fourcc.rawValue == row.drmCode, "FormatInfo's code for \(row.drmName) is DRM_FORMAT_\(row.drmName)")
        #expect(separate == row.separate)
    }

    @Test(arguments: expected)
    fileprivate func planesAndSubsamplingAgreeWithFormatInfo(_ row: Expected) throws {
        let format = try #require(FormatInfo.lookup(FourCC(rawValue: row.drmCode)))
        #expect(format.planes == row.planes)
        #expect(format.hsub == row.hsub)
        #expect(format.vsub == row.vsub)
        #expect(row.v4l2Bytes.count == row.planes && row.drmWord.count == row.planes, "one byte order per colour plane")
        // A separate-buffer format has one V4L2 memory plane per colour plane.
        if row.separate { #expect(format.planes > 1) }
    }

    @Test(arguments: expected)
    fileprivate func byteOrdersMatch(_ row: Expected) {
        for (plane, (v4l2, drm)) in zip(row.v4l2Bytes, row.drmWord).enumerated() {
            let left = v4l2Bits(v4l2, greyAsRed: row.greyAsRed)
            let right = drmBits(drm)
            #expect(left == right, "plane \(plane): V4L2 '\(v4l2)' vs DRM '\(drm)'")
            #expect(left.count % 8 == 0 && !left.isEmpty)
        }
    }

    @Test func everyRowOfTheTableIsChecked() {
        let checked = Set(expected.map(\.v4l2Code))
        let table = V4L2FormatMap.mappings.map(\.v4l2.rawValue)
        #expect(table.count == Set(table).count, "each V4L2 code appears once")
        #expect(Set(table) == checked)
    }

    /// The byte-order check must be able to fail: V4L2 AYUV32 and DRM AYUV share a code
    /// and differ in memory, which is why the table leaves AYUV32 out.
    @Test func theByteOrderCheckCatchesTheAYUVTrap() {
        #expect(v4l2Bits("A, Y, Cb, Cr", greyAsRed: false) != drmBits("[31:0] A:Y:Cb:Cr 8:8:8:8 little endian"))
        #expect(v4l2Bits("Cr, Cb, Y, A", greyAsRed: false) == drmBits("[31:0] A:Y:Cb:Cr 8:8:8:8 little endian"))
        // Same-name traps: V4L2 RGB24 is not DRM RGB888, and bit order matters within a byte.
        #expect(v4l2Bits("R, G, B", greyAsRed: false) != drmBits("[23:0] R:G:B little endian"))
        #expect(v4l2Bits("g2 g1 g0 b4 b3 b2 b1 b0, r4 r3 r2 r1 r0 g5 g4 g3", greyAsRed: false)
                != drmBits("[15:0] B:G:R 5:6:5 little endian"))
        let ayuv: UInt32 = 0x5655_5941  // V4L2_PIX_FMT_AYUV32 == DRM_FORMAT_AYUV
        #expect(V4L2FormatMap.drmFormat(forV4L2: ayuv) == nil)
        #expect(V4L2FormatMap.unmappedReason(forV4L2: ayuv)?.contains("opposite byte order") == true)
        #expect(FormatInfo.lookup(FourCC(rawValue: ayuv))?.name == "AYUV")
    }

    @Test func unmappedFormatsAreReallyUnmapped() {
        for (name, code, reason) in V4L2FormatMap.unmapped {
            #expect(V4L2FormatMap.mapping(forV4L2: code.rawValue) == nil, "\(name) is listed as unmapped")
            #expect(!reason.isEmpty)
        }
        #expect(V4L2FormatMap.drmFormat(forV4L2: 0x4745_504A) == nil, "MJPEG has no DRM format")
    }

    @Test(arguments: expected.filter { !$0.deprecated })
    fileprivate func reverseLookupReturnsTheCanonicalCode(_ row: Expected) {
        #expect(V4L2FormatMap.v4l2Format(forDRM: FourCC(rawValue: row.drmCode), separateBuffers: row.separate) == row.v4l2Code)
    }

    @Test(arguments: expected.filter(\.deprecated))
    fileprivate func deprecatedAliasesMapOneWay(_ row: Expected) throws {
        let canonical = try #require(V4L2FormatMap.v4l2Format(forDRM: FourCC(rawValue: row.drmCode), separateBuffers: false))
        #expect(canonical != row.v4l2Code)
        #expect(V4L2FormatMap.drmFormat(forV4L2: canonical)?.0.fourcc.rawValue == row.drmCode)
    }

    @Test func multiPlanarVariantsShareTheirDRMFormat() throws {
        let nv12 = try #require(V4L2FormatMap.drmFormat(forV4L2: 0x3231_564E))
        let nv12m = try #require(V4L2FormatMap.drmFormat(forV4L2: 0x3231_4D4E))
        #expect(nv12.0 == nv12m.0)
        #expect(!nv12.separateBuffers && nv12m.separateBuffers)
        #expect(V4L2FormatMap.v4l2Format(forDRM: nv12.0.fourcc, separateBuffers: true) == 0x3231_4D4E)
        #expect(V4L2FormatMap.v4l2Format(forDRM: FourCC(rawValue: 0x3432_5258), separateBuffers: true) == nil,
                "XRGB8888 has one plane: no separate-buffer variant")
    }
}
