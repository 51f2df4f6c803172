/// The `heapwise formats --json` row.
extension FormatInfo {
    public var json: JSON {
        let planes = 0..<self.planes
        return .object([
            ("name", .string(name)),
            ("fourcc", .string(fourcc.description)),
            ("code", .int(Int(fourcc.rawValue))),
            ("planes", .int(self.planes)),
            ("cpp", .array(planes.map { .int(cpp[$0]) })),
            ("block_w", .array(planes.map { .int(blockWidth[$0]) })),
            ("block_h", .array(planes.map { .int(blockHeight[$0]) })),
            ("hsub", .int(hsub)),
            ("vsub", .int(vsub)),
            ("yuv", .bool(isYUV)),
            ("alpha", .bool(hasAlpha)),
        ])
    }
}

extension FourCC {
    /// `0x3231564e`: the 32-bit code as `drm_fourcc.h` would write it.
    public var hexCode: String {
        let digits = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
