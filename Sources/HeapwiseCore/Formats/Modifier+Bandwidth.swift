/// How a modifier lays pixels out, as far as memory bandwidth goes: the ranking prefers a
/// compressed or tiled layout every participant accepts to LINEAR, as compositors and Mesa
/// do (fewer bytes fetched per pixel, better locality for 2D access).
public enum ModifierLayoutClass: Int, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Framebuffer compression: ARM AFBC/AFRC, Intel CCS, AMD DCC, Qualcomm UBWC, Amlogic FBC.
    case compressed
    /// Tiled or blocked, uncompressed.
    case tiled
    case linear
    /// INVALID: a driver-chosen layout nobody can check; last.
    case implicit

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .compressed: "compressed"
        case .tiled: "tiled"
        case .linear: "linear"
        case .implicit: "implicit"
        }
    }
}

extension Modifier {
    /// The layout class, from the code's vendor and value as `drm_fourcc.h` lays them out
    /// (no name lookup: the ranking asks for every candidate): Intel's CCS modifiers (values
    /// 4–8, 10–12), AMD's with the DCC bit (`AMD_FMT_MOD_DCC_SHIFT` 13), ARM AFBC and AFRC
    /// (`DRM_FORMAT_MOD_ARM_TYPE_AFBC` 0, `_AFRC` 2 in bits 55:52), `QCOM_COMPRESSED` and every
    /// Amlogic FBC modifier are compressed; any other explicit modifier is tiled.
    public var layoutClass: ModifierLayoutClass {
        if self == .linear { return .linear }
        if isImplicit { return .implicit }
        let compressed = switch vendorID {
        case 0x01: [4, 5, 6, 7, 8, 10, 11, 12].contains(value)
        case 0x02: value >> 13 & 1 == 1
        case 0x05: value == 1
        case 0x08: [0, 2].contains(value >> 52 & 0xf)
        case 0x0a: true
        default: false
        }
        return compressed ? .compressed : .tiled
    }
}
