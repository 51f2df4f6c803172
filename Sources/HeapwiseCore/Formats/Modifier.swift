/// A DRM format modifier: the 64-bit layout token of `drm_fourcc.h`, vendor in the top 8 bits
/// (`fourcc_mod_code(vendor, val)`), vendor-specific value in the low 56.
///
/// `LINEAR` (0) is the plain row-major layout every device understands. `INVALID`
/// (`0x00ffffffffffffff`) is not a layout: the kernel documents it as "no explicit modifier",
/// i.e. an implicit, driver-chosen layout agreed out of band (legacy `ADDFB2` without
/// `DRM_MODE_FB_MODIFIERS`). It must not be mixed with explicit modifiers.
public struct Modifier: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let linear = Modifier(rawValue: 0)
    public static let invalid = Modifier(rawValue: 0x00ff_ffff_ffff_ffff)

    /// The vendor byte (`DRM_FORMAT_MOD_VENDOR_*`).
    public var vendorID: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 56) }
    /// The low 56 bits.
    public var value: UInt64 { rawValue & 0x00ff_ffff_ffff_ffff }
    public var isImplicit: Bool { self == .invalid }

    public static func < (a: Modifier, b: Modifier) -> Bool { a.rawValue < b.rawValue }

    /// The `drm_fourcc.h` name without `DRM_FORMAT_MOD_` where one is known, else `0x%016x`.
    public var description: String { name }
}

/// The layout geometry of a tiled modifier, as far as the public headers document it.
/// Pitch must be a whole number of tiles across (`widthBytes`), and the surface a whole
/// number of tile rows tall (`rows`), so size = pitch × align(height, rows).
public struct TileGeometry: Hashable, Sendable {
    public let widthBytes: Int
    public let rows: Int
    public init(widthBytes: Int, rows: Int) {
        self.widthBytes = widthBytes
        self.rows = rows
    }
}
