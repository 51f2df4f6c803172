/// One row of the kernel's `drm_format_info` table (`drivers/gpu/drm/drm_fourcc.c`, Linux 6.1).
///
/// Fields keep the kernel's meaning. `cpp` is the kernel's union of `cpp` and
/// `char_per_block`: bytes per pixel for plain formats, bytes per `blockWidth × blockHeight`
/// block for block formats (`X0L0`, `Q410`, …). Plain formats have 1×1 blocks, which is how
/// `drm_format_info_block_width/height` and `drm_format_info_min_pitch` treat a zero block size.
///
/// A class, not a struct: rows are created once, in the table, and then passed around by the
/// resolver for every candidate and rejection; sharing one immutable row costs one retain
/// where a struct of four arrays and a string would cost five.
public final class FormatInfo: Hashable, Sendable, CustomStringConvertible {
    /// Name from `drm_fourcc.h` without the `DRM_FORMAT_` prefix: `XRGB8888`, `NV12`.
    public let name: String
    public let fourcc: FourCC
    /// Number of color planes (1 to 3; 4 is allowed by the kernel but unused in 6.1).
    public let planes: Int
    /// Bytes per block for each plane (unused planes are 0).
    public let cpp: [Int]
    /// Block width and height in pixels for each plane (1 for non-block formats).
    public let blockWidth: [Int]
    public let blockHeight: [Int]
    /// Horizontal and vertical chroma subsampling factors, applied to planes after the first.
    public let hsub: Int
    public let vsub: Int
    public let isYUV: Bool
    public let hasAlpha: Bool
    /// Bits per component, chroma resolution and alpha (`FormatInfo+Precision.swift`); worked
    /// out once per row, since the ranking reads it for every candidate.
    public let precision: FormatPrecision
    /// Bits per pixel over all planes, times 16 so subsampled planes stay whole (NV12: 192):
    /// "fewer bytes per pixel" in the ranking.
    public let bitsPerPixelTimes16: Int

    public init(
        name: String, fourcc: String, planes: Int, cpp: [Int],
        blockWidth: [Int] = [1, 1, 1, 1], blockHeight: [Int] = [1, 1, 1, 1],
        hsub: Int = 1, vsub: Int = 1, isYUV: Bool = false, hasAlpha: Bool = false
    ) {
        precondition(planes >= 1 && planes <= 4 && cpp.count <= 4, "format table row \(name) is malformed")
        func pad(_ a: [Int], _ fill: Int) -> [Int] { a + Array(repeating: fill, count: 4 - a.count) }
        self.name = name
        // The table is compiled in; a bad code there is a programmer error, not input.
        self.fourcc = FourCC(fourcc)!
        self.planes = planes
        self.cpp = pad(cpp, 0)
        self.blockWidth = pad(blockWidth, 1)
        self.blockHeight = pad(blockHeight, 1)
        self.hsub = hsub
        self.vsub = vsub
        self.isYUV = isYUV
        self.hasAlpha = hasAlpha
        let cpp = pad(cpp, 0), blockWidth = pad(blockWidth, 1), blockHeight = pad(blockHeight, 1)
        self.precision = FormatPrecision(
            bitsPerComponent: Self.componentBits(name: name, bitsPerPixel: cpp[0] * 8 / (blockWidth[0] * blockHeight[0])),
            chromaSubsampling: isYUV ? (hsub, vsub) : (1, 1), hasAlpha: hasAlpha)
        self.bitsPerPixelTimes16 = (0..<planes).reduce(0) { total, plane in
            let pixelsPerBlock = blockWidth[plane] * blockHeight[plane] * (plane == 0 ? 1 : hsub * vsub)
            return total + cpp[plane] * 8 * 16 / pixelsPerBlock
        }
    }

    /// Rows are unique by code; the name is compared too so a hand-made row never aliases one.
    public static func == (a: FormatInfo, b: FormatInfo) -> Bool {
        a === b || (a.fourcc == b.fourcc && a.name == b.name)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(fourcc) }

    public var description: String { name }
}
