/// A DRM four-character code: four ASCII bytes packed little-endian into 32 bits,
/// exactly as `fourcc_code(a, b, c, d)` in the kernel's `include/uapi/drm/drm_fourcc.h`.
public struct FourCC: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Packs four characters; returns nil unless `code` is exactly four ASCII characters.
    public init?(_ code: String) {
        let bytes = Array(code.utf8)
        guard bytes.count == 4, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        rawValue = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
    }

    /// The four characters, with trailing spaces kept (`"R8  "`), as the kernel prints them.
    public var description: String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: rawValue >> (8 * $0)) }
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return "0x" + String(rawValue, radix: 16)
    }

    public static func < (a: FourCC, b: FourCC) -> Bool { a.rawValue < b.rawValue }
}
