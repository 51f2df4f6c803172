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
    /// The layout class, from the `drm_fourcc.h` name: the compressed families are named for
    /// their compression (`ARM_AFBC(…)`, `ARM_AFRC(…)`, `…_CCS…`, `AMD(…,DCC…)`,
    /// `QCOM_COMPRESSED`, `AMLOGIC_FBC(…)`).
    public var layoutClass: ModifierLayoutClass {
        if self == .linear { return .linear }
        if isImplicit { return .implicit }
        let name = self.name
        let compressed = ["AFBC", "AFRC", "CCS", "DCC", "COMPRESSED", "FBC", "UBWC"]
        return compressed.contains(where: name.contains) ? .compressed : .tiled
    }
}
