/// `heapwise formats`: the kernel's format table, as a table for people and JSON rows.
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

extension FormatInfo {
    /// The `heapwise formats` table of `formats`.
    public static func table(_ formats: [FormatInfo]) -> String {
        var table = TextTable(["name", "fourcc", "code", "planes", "cpp", "block", "hsub", "vsub", "yuv", "alpha"])
        for f in formats {
            let planes = 0..<f.planes
            table.append([
                f.name, "'\(f.fourcc)'", f.fourcc.hexCode,
                "\(f.planes)", planes.map { "\(f.cpp[$0])" }.joined(separator: ","),
                planes.map { "\(f.blockWidth[$0])x\(f.blockHeight[$0])" }.joined(separator: ","),
                "\(f.hsub)", "\(f.vsub)", f.isYUV ? "yes" : "no", f.hasAlpha ? "yes" : "no",
            ])
        }
        return table.render()
    }
}
