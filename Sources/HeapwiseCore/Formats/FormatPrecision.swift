/// How much of an image a format keeps: bits per color component, chroma resolution, alpha.
/// What the ranking's "no needless loss" step compares: a producer's first-listed format is
/// its native precision, and a plan whose format keeps all three ranks before one that
/// throws some away (XRGB8888 keeps an 8-bit 4:2:2 camera's image; RGB565 loses bits, NV12
/// loses chroma rows).
public struct FormatPrecision: Hashable, Sendable, CustomStringConvertible {
    /// Significant bits of the narrowest color component (5 for RGB565, 10 for P010).
    public let bitsPerComponent: Int
    /// Chroma subsampling, horizontal and vertical (1, 1 for RGB and 4:4:4).
    public let chromaSubsampling: (horizontal: Int, vertical: Int)
    public let hasAlpha: Bool

    public static func == (a: Self, b: Self) -> Bool {
        a.bitsPerComponent == b.bitsPerComponent && a.chromaSubsampling == b.chromaSubsampling && a.hasAlpha == b.hasAlpha
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bitsPerComponent)
        hasher.combine(chromaSubsampling.horizontal)
        hasher.combine(chromaSubsampling.vertical)
        hasher.combine(hasAlpha)
    }

    /// Whether an image in this precision keeps everything `native` holds.
    public func keeps(_ native: FormatPrecision) -> Bool {
        bitsPerComponent >= native.bitsPerComponent
            && chromaSubsampling.horizontal <= native.chromaSubsampling.horizontal
            && chromaSubsampling.vertical <= native.chromaSubsampling.vertical
            && (hasAlpha || !native.hasAlpha)
    }

    public var description: String {
        let chroma = switch (chromaSubsampling.horizontal, chromaSubsampling.vertical) {
        case (1, 1): "4:4:4"
        case (2, 1): "4:2:2"
        case (2, 2): "4:2:0"
        case (4, 1): "4:1:1"
        case let (h, v): "1/\(h)×1/\(v) chroma"
        }
        return "\(bitsPerComponent)-bit \(chroma)" + (hasAlpha ? " with alpha" : "")
    }
}

extension FormatInfo {
    // `precision` is worked out in `init` from the kernel's `drm_format_info` fields (`hsub`,
    // `vsub`, `is_yuv`, `has_alpha`) and, for component depth, the `drm_fourcc.h` name, which
    // spells it: RGB names list each component's bits (`RGB565`, `ARGB2101010`,
    // `XBGR16161616F`), high-depth YUV names carry it (`P010`, `Y210`, `Q410`), and the other
    // YUV formats are 8-bit.

    /// YUV and single-channel formats whose depth the name gives as a number, not per channel.
    private static let statedDepth: [String: Int] = [
        "R10": 10, "R12": 12, "Y210": 10, "Y212": 12, "Y216": 16, "Y410": 10, "Y412": 12, "Y416": 16,
        "XVYU2101010": 10, "XVYU12_16161616": 12, "XVYU16161616": 16, "Y0L2": 10, "X0L2": 10,
        "P010": 10, "P012": 12, "P016": 16, "P210": 10, "P030": 10, "VUY101010": 10,
        "YUV420_10BIT": 10, "NV15": 10, "Q410": 10, "Q401": 10, "AXBXGXRX106106106106": 10,
    ]

    /// The narrowest color component's bits: from `statedDepth`, else the name's digits split
    /// among its channel letters (one or two digits each, summing to the pixel's bits), else 8.
    static func componentBits(name: String, bitsPerPixel: Int) -> Int {
        if let depth = statedDepth[name] { return depth }
        let base = name.split(separator: "_").first.map(String.init) ?? name  // RGB565_A8: the colour plane
        let letters = base.prefix { "ARGBX".contains($0) }
        let digits = base.dropFirst(letters.count).prefix { $0.isNumber }.compactMap(\.wholeNumberValue)
        guard letters.count >= 3, let widths = split(digits[...], into: letters.count, sum: bitsPerPixel) else { return 8 }
        let color = zip(letters, widths).filter { "RGB".contains($0.0) }.map(\.1)
        return color.min() ?? 8
    }

    /// `digits` read as `count` numbers of one or two digits that add up to `sum`.
    private static func split(_ digits: ArraySlice<Int>, into count: Int, sum: Int) -> [Int]? {
        if count == 0 { return digits.isEmpty && sum == 0 ? [] : nil }
        for length in 1...2 where digits.count >= length {
            let value = digits.prefix(length).reduce(0) { $0 * 10 + $1 }
            if value <= sum, let rest = split(digits.dropFirst(length), into: count - 1, sum: sum - value) {
                return [value] + rest
            }
        }
        return nil
    }
}
