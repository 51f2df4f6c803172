// The format modifiers of Linux 6.1 `include/uapi/drm/drm_fourcc.h` (checked against Debian's
// linux-source-6.1, 6.1.192) and the layout Heapwise may assume for each: first the fixed
// values, then the parametrized families (NVIDIA block linear, SAND column heights, AFBC, AFRC,
// Amlogic FBC, AMD). Spelling rules are in ModifierNames.swift.

/// How a modifier arranges a plane in memory, as far as Heapwise can act on it.
public enum ModifierLayout: Hashable, Sendable {
    /// Row-major pixels: any pitch the devices accept.
    case linear
    /// A plain tiling of the same plane sizes: only pitch and height alignment change.
    case tiled(TileGeometry)
    /// Arm Frame Buffer Compression: a header block per superblock, then the superblocks'
    /// payloads, sized as the kernel's `drm_gem_afbc_min_size` does.
    case afbc(AFBCGeometry)
    /// Heapwise cannot size or address this layout from public facts; `reason` says why.
    case opaque(reason: String)
}

/// What of an AFBC modifier decides the buffer's size (`drm_gem_framebuffer_helper.c`).
public struct AFBCGeometry: Hashable, Sendable {
    /// Superblock size in pixels: 16×16 or 32×8 (the only ones the kernel's helper accepts).
    public let blockWidth: Int
    public let blockHeight: Int
    /// `AFBC_FORMAT_MOD_TILED`: headers laid out in 8×8 superblock tiles, body 4 KiB aligned.
    public let tiledHeaders: Bool
}

extension Modifier {
    /// The layout Heapwise may assume; `.opaque` whenever the header and drivers do not
    /// state a plain tiling, so that such buffers are only ever sized by the device itself.
    public var layout: ModifierLayout {
        if let entry = ModifierTable.byValue[rawValue] { return entry.layout }
        return ModifierFamilies.family(of: self)?.layout(value)
            ?? .opaque(reason: "unknown modifier: no public layout")
    }

    /// The vendor's name from the `DRM_FORMAT_MOD_VENDOR_*` list (`INTEL`, `ARM`, …), or nil
    /// for a vendor byte that Linux 6.1 does not assign.
    public var vendorName: String? {
        let index = Int(vendorID)
        return index < ModifierTable.vendors.count ? ModifierTable.vendors[index] : nil
    }
}

/// One `#define` of a fixed modifier value.
struct NamedModifier: Sendable {
    /// The macro name without `DRM_FORMAT_MOD_`; Intel's keep their `I915_FORMAT_MOD_` name.
    let name: String
    let rawValue: UInt64
    /// Other spellings that `Modifier.parse` accepts for the same value.
    let aliases: [String]
    let layout: ModifierLayout
}

enum ModifierTable {
    /// `DRM_FORMAT_MOD_VENDOR_*`, indexed by vendor byte (0x00 … 0x0a).
    static let vendors = [
        "NONE", "INTEL", "AMD", "NVIDIA", "SAMSUNG", "QCOM", "VIVANTE", "BROADCOM", "ARM",
        "ALLWINNER", "AMLOGIC",
    ]

    static let byValue: [UInt64: NamedModifier] = Dictionary(
        uniqueKeysWithValues: named.map { ($0.rawValue, $0) })

    /// `fourcc_mod_code(vendor, val)`.
    static func code(_ vendor: UInt8, _ value: UInt64) -> UInt64 {
        UInt64(vendor) << 56 | value & 0x00ff_ffff_ffff_ffff
    }

    /// `DRM_FORMAT_MOD_VENDOR_*` values used by the tables.
    enum Vendor {
        static let none: UInt8 = 0x00, intel: UInt8 = 0x01, amd: UInt8 = 0x02, nvidia: UInt8 = 0x03
        static let samsung: UInt8 = 0x04, qcom: UInt8 = 0x05, vivante: UInt8 = 0x06
        static let broadcom: UInt8 = 0x07, arm: UInt8 = 0x08, allwinner: UInt8 = 0x09
        static let amlogic: UInt8 = 0x0a
    }

    /// Every fixed value the header names, in header order.
    static let named: [NamedModifier] =
        [
            NamedModifier(name: "LINEAR", rawValue: 0, aliases: ["NONE"], layout: .linear),
            NamedModifier(
                name: "INVALID", rawValue: code(Vendor.none, 0x00ff_ffff_ffff_ffff), aliases: [],
                layout: .opaque(reason: "implicit modifier: the layout is chosen by the driver")),
        ] + intelModifiers + otherModifiers

    private static func intel(_ suffix: String, _ value: UInt64, _ layout: ModifierLayout) -> NamedModifier {
        NamedModifier(
            name: "I915_FORMAT_MOD_" + suffix, rawValue: code(Vendor.intel, value), aliases: [suffix],
            layout: layout)
    }

    /// Intel tiles are 4 KiB (`intel_tile_size()`), `intel_tile_width_bytes()` bytes wide, so
    /// 4096 / width rows tall (`intel_tile_height()`), all in
    /// drivers/gpu/drm/i915/display/intel_fb.c. The header notes X and Y are only exact on
    /// gen8+ and Valleyview; older parts (2 KiB tiles on gen2) are not Heapwise targets.
    private static let intelModifiers: [NamedModifier] = {
        let ccs = ModifierLayout.opaque(reason: "render/media compressed: needs a CCS aux plane")
        let dg2 = ModifierLayout.opaque(reason: "compressed: the CCS lives in driver-reserved memory")
        return [
            // intel_fb.c: X_TILED is 512 bytes wide (128 on display ver 2) → 512 × 8.
            intel("X_TILED", 1, .tiled(TileGeometry(widthBytes: 512, rows: 8))),
            // intel_fb.c: Y_TILED is 128 bytes wide when HAS_128_BYTE_Y_TILING → 128 × 32.
            intel("Y_TILED", 2, .tiled(TileGeometry(widthBytes: 128, rows: 32))),
            // intel_fb.c: the Yf tile is 64, 128 or 256 bytes wide depending on cpp.
            intel("Yf_TILED", 3, .opaque(reason: "Yf tile width depends on bytes per pixel")),
            intel("Y_TILED_CCS", 4, ccs),
            intel("Yf_TILED_CCS", 5, ccs),
            intel("Y_TILED_GEN12_RC_CCS", 6, ccs),
            intel("Y_TILED_GEN12_MC_CCS", 7, ccs),
            intel(
                "Y_TILED_GEN12_RC_CCS_CC", 8,
                .opaque(reason: "compressed: CCS aux plane and clear-color plane")),
            // drm_fourcc.h: Tile 4 "has the same shape as Tile Y at … 4KB (128B x 32)";
            // intel_fb.c gives 4_TILED a 128-byte tile width.
            intel("4_TILED", 9, .tiled(TileGeometry(widthBytes: 128, rows: 32))),
            intel("4_TILED_DG2_RC_CCS", 10, dg2),
            intel("4_TILED_DG2_MC_CCS", 11, dg2),
            intel("4_TILED_DG2_RC_CCS_CC", 12, .opaque(reason: "compressed, with a clear-color plane")),
        ]
    }()

    private static func opaque(
        _ name: String, _ vendor: UInt8, _ value: UInt64, aliases: [String] = [], _ reason: String
    ) -> NamedModifier {
        NamedModifier(
            name: name, rawValue: code(vendor, value), aliases: aliases, layout: .opaque(reason: reason))
    }

    private static let otherModifiers: [NamedModifier] = {
        let pixelTiles = "tiles are sized in pixels: byte width depends on the format"
        let sand = "SAND columns: the column pitch comes from the modifier, not the row pitch"
        return [
            // drm_fourcc.h defines it for NV12 only (NV12MT): 64×32-pixel macroblocks in Z
            // order, and "for each buffer" a width that is a multiple of 128 pixels and a
            // height that is a multiple of 32. With NV12's one byte per luma sample and per
            // chroma byte pair column, that is 128-byte strides and 32-row planes; the Z order
            // moves bytes inside that area but does not change its size.
            NamedModifier(
                name: "SAMSUNG_64_32_TILE", rawValue: code(Vendor.samsung, 1), aliases: [],
                layout: .tiled(TileGeometry(widthBytes: 128, rows: 32))),
            opaque("SAMSUNG_16_16_TILE", Vendor.samsung, 2, aliases: ["GENERIC_16_16_TILE"], pixelTiles),
            opaque("QCOM_COMPRESSED", Vendor.qcom, 1, "compressed, platform-specific macrotiles"),
            opaque("QCOM_TILED3", Vendor.qcom, 3, "macrotile size is platform-specific"),
            opaque("QCOM_TILED2", Vendor.qcom, 2, "GMEM-internal tiling, platform-specific"),
            opaque("VIVANTE_TILED", Vendor.vivante, 1, pixelTiles),
            opaque("VIVANTE_SUPER_TILED", Vendor.vivante, 2, pixelTiles),
            opaque("VIVANTE_SPLIT_TILED", Vendor.vivante, 3, "dual-pipe split tiling: two base addresses"),
            opaque(
                "VIVANTE_SPLIT_SUPER_TILED", Vendor.vivante, 4, "dual-pipe split tiling: two base addresses"),
            // drm_fourcc.h, NVIDIA_TEGRA_TILED: "Pixels are arranged in simple tiles of
            // 16 x 16 bytes."
            NamedModifier(
                name: "NVIDIA_TEGRA_TILED", rawValue: code(Vendor.nvidia, 1), aliases: [],
                layout: .tiled(TileGeometry(widthBytes: 16, rows: 16))),
            opaque("BROADCOM_VC4_T_TILED", Vendor.broadcom, 1, pixelTiles),
            opaque("BROADCOM_SAND32", Vendor.broadcom, 2, sand),
            opaque("BROADCOM_SAND64", Vendor.broadcom, 3, sand),
            opaque("BROADCOM_SAND128", Vendor.broadcom, 4, sand),
            opaque("BROADCOM_SAND256", Vendor.broadcom, 5, sand),
            opaque("BROADCOM_UIF", Vendor.broadcom, 6, "UIF padding depends on the platform's SDRAM banks"),
            // DRM_FORMAT_MOD_ARM_CODE(DRM_FORMAT_MOD_ARM_TYPE_MISC, 1)
            opaque("ARM_16X16_BLOCK_U_INTERLEAVED", Vendor.arm, 1 << 52 | 1, pixelTiles),
            opaque("ALLWINNER_TILED", Vendor.allwinner, 1, "VPU tiles of 32x32 luma and 32x64 chroma pixels"),
        ]
    }()
}

// MARK: - Parametrized families

/// A `drm_fourcc.h` macro that takes arguments, e.g. `DRM_FORMAT_MOD_ARM_AFBC(mode)`.
/// Each family owns part of one vendor's 56-bit value space and turns it into a name,
/// back into a value, and into a layout.
protocol ModifierFamily: Sendable {
    var vendor: UInt8 { get }
    /// Upper-cased macro names without `DRM_FORMAT_MOD_`, as written before `(`.
    var heads: [String] { get }
    /// Shown when the arguments do not parse.
    var usage: String { get }
    /// The canonical name of a vendor value, or nil if this family does not describe it.
    func name(_ value: UInt64) -> String?
    /// The vendor value for upper-cased arguments, or nil if they are not valid.
    func parse(head: String, arguments: Substring) -> UInt64?
    /// The layout of a value for which `name` is not nil.
    func layout(_ value: UInt64) -> ModifierLayout
}

enum ModifierFamilies {
    static let all: [any ModifierFamily] = [
        NvidiaBlockLinear(), BroadcomSand(), ArmAFBC(), ArmAFRC(), AmlogicFBC(), AMDModifier(),
    ]

    /// Fixed macro names whose values a family prints in its own form:
    /// `DRM_FORMAT_MOD_NVIDIA_16BX2_BLOCK_<count>_GOB` is `NVIDIA_16BX2_BLOCK(log2(count))`.
    static let aliases: [(name: String, rawValue: UInt64)] =
        ["ONE", "TWO", "FOUR", "EIGHT", "SIXTEEN", "THIRTYTWO"].enumerated().map { log2, count in
            (
                "NVIDIA_16BX2_BLOCK_\(count)_GOB",
                ModifierTable.code(ModifierTable.Vendor.nvidia, 0x10 | UInt64(log2))
            )
        }

    static func family(of modifier: Modifier) -> (any ModifierFamily)? {
        all.first { $0.vendor == modifier.vendorID && $0.name(modifier.value) != nil }
    }

    /// `A|B|C` flag lists: each token is a flag (optionally with the header's prefix) or an
    /// integer literal. Returns the OR of all, or nil for an unknown token or a value that
    /// does not fit `limit`.
    static func flags(
        _ arguments: Substring, prefix: String, names: [(String, UInt64)], limit: UInt64
    ) -> UInt64? {
        guard let tokens = ModifierSyntax.split(arguments, on: "|") else { return nil }
        var result: UInt64 = 0
        for token in tokens {
            let bare = ModifierSyntax.dropPrefix(prefix, from: token)
            if let flag = names.first(where: { $0.0.uppercased() == bare }) {
                result |= flag.1
            } else if let number = ModifierSyntax.integer(token, max: limit) {
                result |= number
            } else {
                return nil
            }
        }
        return result
    }
}

/// `DRM_FORMAT_MOD_NVIDIA_BLOCK_LINEAR_2D(c, s, g, k, h)`: h in bits 3:0, bit 4 set,
/// k in 19:12, g in 21:20, s in 22, c in 25:23; every other bit must be zero.
struct NvidiaBlockLinear: ModifierFamily {
    var vendor: UInt8 { ModifierTable.Vendor.nvidia }
    var heads: [String] { ["NVIDIA_BLOCK_LINEAR_2D", "NVIDIA_16BX2_BLOCK"] }
    var usage: String {
        "NVIDIA_BLOCK_LINEAR_2D(c,s,g,k,h) with c ≤ 7, s ≤ 1, g ≤ 3, k ≤ 0xff, h ≤ 15, or NVIDIA_16BX2_BLOCK(h)"
    }

    private static let validBits: UInt64 = 0x1f | 0xff << 12 | 0x3 << 20 | 0x1 << 22 | 0x7 << 23

    private static func fields(_ v: UInt64) -> (c: UInt64, s: UInt64, g: UInt64, k: UInt64, h: UInt64) {
        (v >> 23 & 0x7, v >> 22 & 0x1, v >> 20 & 0x3, v >> 12 & 0xff, v & 0xf)
    }

    func name(_ value: UInt64) -> String? {
        guard value & 0x10 != 0, value & ~Self.validBits == 0 else { return nil }
        let f = Self.fields(value)
        if f.c == 0, f.s == 0, f.g == 0, f.k == 0 { return "NVIDIA_16BX2_BLOCK(\(f.h))" }
        let kind = String(f.k, radix: 16)
        return "NVIDIA_BLOCK_LINEAR_2D(\(f.c),\(f.s),\(f.g),0x\(kind.count < 2 ? "0" + kind : kind),\(f.h))"
    }

    func parse(head: String, arguments: Substring) -> UInt64? {
        guard let parts = ModifierSyntax.split(arguments, on: ",") else { return nil }
        let limits: [UInt64] = head == "NVIDIA_16BX2_BLOCK" ? [0xf] : [0x7, 0x1, 0x3, 0xff, 0xf]
        guard parts.count == limits.count else { return nil }
        var numbers: [UInt64] = []
        for (part, limit) in zip(parts, limits) {
            guard let number = ModifierSyntax.integer(part, max: limit) else { return nil }
            numbers.append(number)
        }
        if numbers.count == 1 { return 0x10 | numbers[0] }
        let (c, s, g, k, h) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
        return 0x10 | h | k << 12 | g << 20 | s << 22 | c << 23
    }

    /// A block is one GOB wide and 2^h GOBs tall, blocks in row-major order, so an
    /// uncompressed surface is a plain tiling of 64 bytes × (GOB height << h) rows.
    /// GOBs are 64 bytes wide (nouveau_display.c, nouveau_get_width_in_blocks); their height
    /// is 8 rows, or 4 for g = 1 (drm_fourcc.h, the "g" field; nouveau_get_height_in_blocks).
    /// Compressed kinds (c ≠ 0) also need the page kind's compression tags.
    func layout(_ value: UInt64) -> ModifierLayout {
        let f = Self.fields(value)
        if f.c != 0 { return .opaque(reason: "compressed block-linear: format implied by the page kind") }
        if f.g == 3 { return .opaque(reason: "reserved GOB height generation") }
        let gobRows = f.g == 1 ? 4 : 8
        return .tiled(TileGeometry(widthBytes: 64, rows: gobRows << Int(f.h)))
    }
}

/// `DRM_FORMAT_MOD_BROADCOM_SAND{32,64,128,256}_COL_HEIGHT(v)`: type 2…5 in bits 7:0 and
/// the column height v in bits 55:8 (`fourcc_mod_broadcom_code`). v = 0 is the fixed name.
struct BroadcomSand: ModifierFamily {
    var vendor: UInt8 { ModifierTable.Vendor.broadcom }
    var heads: [String] { Self.widths.map { "BROADCOM_SAND\($0)_COL_HEIGHT" } }
    var usage: String { "BROADCOM_SAND128_COL_HEIGHT(v) (also 32, 64, 256) with v < 2^48" }

    private static let widths = [32, 64, 128, 256]  // types 2, 3, 4, 5

    func name(_ value: UInt64) -> String? {
        let type = value & 0xff
        guard (2...5).contains(type) else { return nil }
        return "BROADCOM_SAND\(Self.widths[Int(type) - 2])_COL_HEIGHT(\(value >> 8))"
    }

    func parse(head: String, arguments: Substring) -> UInt64? {
        guard let index = heads.firstIndex(of: head),
            let height = ModifierSyntax.integer(arguments, max: 1 << 48 - 1)
        else { return nil }
        return height << 8 | UInt64(index + 2)
    }

    func layout(_ value: UInt64) -> ModifierLayout {
        .opaque(reason: "SAND columns: the column pitch comes from the modifier, not the row pitch")
    }
}

/// `DRM_FORMAT_MOD_ARM_AFBC(mode)`: ARM type 0 in bits 55:52; superblock size in bits 3:0
/// (`AFBC_FORMAT_MOD_BLOCK_SIZE_*`), feature flags in bits 12:4.
struct ArmAFBC: ModifierFamily {
    var vendor: UInt8 { ModifierTable.Vendor.arm }
    var heads: [String] { ["ARM_AFBC"] }
    var usage: String {
        "ARM_AFBC(BLOCK_SIZE_16x16|…) with one of " + Self.blockSizes.dropFirst().joined(separator: ", ")
            + " and flags " + Self.flags.map(\.0).joined(separator: "|")
    }

    static let blockSizes = [
        "", "BLOCK_SIZE_16x16", "BLOCK_SIZE_32x8", "BLOCK_SIZE_64x4", "BLOCK_SIZE_32x8_64x4",
    ]
    static let flags: [(String, UInt64)] = [
        ("YTR", 1 << 4), ("SPLIT", 1 << 5), ("SPARSE", 1 << 6), ("CBR", 1 << 7), ("TILED", 1 << 8),
        ("SC", 1 << 9), ("DB", 1 << 10), ("BCH", 1 << 11), ("USM", 1 << 12),
    ]

    func name(_ value: UInt64) -> String? {
        guard value >> 13 == 0, Int(value & 0xf) < Self.blockSizes.count else { return nil }
        var parts = [Self.blockSizes[Int(value & 0xf)]].filter { !$0.isEmpty }
        parts += Self.flags.filter { value & $0.1 != 0 }.map(\.0)
        return "ARM_AFBC(\(parts.isEmpty ? "0" : parts.joined(separator: "|")))"
    }

    func parse(head: String, arguments: Substring) -> UInt64? {
        let sizes = Self.blockSizes.enumerated().dropFirst().map { ($1, UInt64($0)) }
        // Two block sizes would OR into a third; only one may be named.
        let named = arguments.split(separator: "|").filter { $0.contains("BLOCK_SIZE_") }
        guard named.count <= 1 else { return nil }
        return ModifierFamilies.flags(
            arguments, prefix: "AFBC_FORMAT_MOD_", names: sizes + Self.flags, limit: 1 << 52 - 1)
    }

    /// Sizes follow the kernel's `drm_gem_afbc_min_size`, which knows 16×16 and 32×8
    /// superblocks and rejects the others ("no user exists yet").
    func layout(_ value: UInt64) -> ModifierLayout {
        let tiled = value & (1 << 8) != 0
        switch value & 0xf {
        case 1: return .afbc(AFBCGeometry(blockWidth: 16, blockHeight: 16, tiledHeaders: tiled))
        case 2: return .afbc(AFBCGeometry(blockWidth: 32, blockHeight: 8, tiledHeaders: tiled))
        default:
            return .opaque(reason: "AFBC superblocks other than 16x16 and 32x8 have no size rule in the kernel (drm_gem_afbc_min_size)")
        }
    }
}

/// `DRM_FORMAT_MOD_ARM_AFRC(mode)`: ARM type 2; coding-unit size of plane 0 in bits 3:0 and
/// of planes 1–2 in bits 7:4 (`AFRC_FORMAT_MOD_CU_SIZE_16/24/32` = 1/2/3), LAYOUT_SCAN bit 8.
struct ArmAFRC: ModifierFamily {
    var vendor: UInt8 { ModifierTable.Vendor.arm }
    var heads: [String] { ["ARM_AFRC"] }
    var usage: String { "ARM_AFRC(CU_SIZE_P0(16|24|32)|CU_SIZE_P12(16|24|32)|LAYOUT_SCAN)" }

    private static let type: UInt64 = 2 << 52
    private static let unitBytes = [0, 16, 24, 32]
    private static let unitShifts: [String: UInt64] = ["CU_SIZE_P0": 0, "CU_SIZE_P12": 4]

    func name(_ value: UInt64) -> String? {
        let mode = value & (1 << 52 - 1)
        guard value >> 52 == 2, mode >> 9 == 0, mode & 0xf <= 3, mode >> 4 & 0xf <= 3 else { return nil }
        var parts: [String] = []
        if mode & 0xf != 0 { parts.append("CU_SIZE_P0(\(Self.unitBytes[Int(mode & 0xf)]))") }
        if mode >> 4 & 0xf != 0 { parts.append("CU_SIZE_P12(\(Self.unitBytes[Int(mode >> 4 & 0xf)]))") }
        if mode & 1 << 8 != 0 { parts.append("LAYOUT_SCAN") }
        return "ARM_AFRC(\(parts.isEmpty ? "0" : parts.joined(separator: "|")))"
    }

    func parse(head: String, arguments: Substring) -> UInt64? {
        guard let tokens = ModifierSyntax.split(arguments, on: "|") else { return nil }
        var mode: UInt64 = 0
        for token in tokens {
            let bare = ModifierSyntax.dropPrefix("AFRC_FORMAT_MOD_", from: token)
            if bare == "LAYOUT_SCAN" {
                mode |= 1 << 8
            } else if let call = ModifierSyntax.call(bare), let shift = Self.unitShifts[call.head],
                let size = Self.unitSize(call.arguments)
            {
                mode |= size << shift
            } else if let number = ModifierSyntax.integer(token, max: 1 << 52 - 1) {
                mode |= number
            } else {
                return nil
            }
        }
        return Self.type | mode
    }

    /// `16`, `CU_SIZE_16` or `AFRC_FORMAT_MOD_CU_SIZE_16` → 1, and so on.
    private static func unitSize(_ text: Substring) -> UInt64? {
        let bare = ModifierSyntax.dropPrefix(
            "CU_SIZE_", from: ModifierSyntax.dropPrefix("AFRC_FORMAT_MOD_", from: text))
        guard let bytes = Int(bare), let index = unitBytes.dropFirst().firstIndex(of: bytes) else {
            return nil
        }
        return UInt64(index)
    }

    func layout(_ value: UInt64) -> ModifierLayout {
        .opaque(reason: "compressed: AFRC coding units in paging tiles")
    }
}

/// `DRM_FORMAT_MOD_AMLOGIC_FBC(layout, options)`: layout in bits 7:0 (BASIC 1, SCATTER 2),
/// options in bits 15:8 (MEM_SAVING 1).
struct AmlogicFBC: ModifierFamily {
    var vendor: UInt8 { ModifierTable.Vendor.amlogic }
    var heads: [String] { ["AMLOGIC_FBC"] }
    var usage: String { "AMLOGIC_FBC(BASIC|SCATTER, 0|MEM_SAVING)" }

    private static let layouts = ["", "BASIC", "SCATTER"]

    func name(_ value: UInt64) -> String? {
        let layout = Int(value & 0xff), options = value >> 8
        guard (1...2).contains(layout), options <= 1 else { return nil }
        return "AMLOGIC_FBC(\(Self.layouts[layout]),\(options == 1 ? "MEM_SAVING" : "0"))"
    }

    func parse(head: String, arguments: Substring) -> UInt64? {
        guard let parts = ModifierSyntax.split(arguments, on: ","), parts.count == 2 else { return nil }
        let layoutName = ModifierSyntax.dropPrefix("AMLOGIC_FBC_LAYOUT_", from: parts[0])
        guard
            let layout = Self.layouts.dropFirst().firstIndex(where: { $0 == layoutName }).map(UInt64.init)
                ?? ModifierSyntax.integer(parts[0], max: 0xff),
            let options = ModifierFamilies.flags(
                parts[1], prefix: "AMLOGIC_FBC_OPTION_", names: [("MEM_SAVING", 1)], limit: 0xff)
        else { return nil }
        return layout | options << 8
    }

    func layout(_ value: UInt64) -> ModifierLayout {
        .opaque(reason: "compressed: Amlogic FBC header and body")
    }
}

/// `AMD_FMT_MOD`: tile version in bits 7:0, tile (swizzle mode) in 12:8, DCC flags and
/// per-chip fields up to bit 35; bits 55:36 are reserved and must be zero.
struct AMDModifier: ModifierFamily {
    var vendor: UInt8 { ModifierTable.Vendor.amd }
    var heads: [String] { ["AMD"] }
    var usage: String {
        "AMD(version,tile,FLAG,…,FIELD=n,…) with version " + Self.versions.dropFirst().joined(separator: "|")
            + ", flags " + Self.flags.map(\.0).joined(separator: "|")
            + ", fields " + Self.fields.map(\.name).joined(separator: "|")
    }

    /// `AMD_FMT_MOD_TILE_VER_*`, indexed by value.
    private static let versions = ["", "GFX9", "GFX10", "GFX10_RBPLUS", "GFX11", "GFX12"]

    /// `AMD_FMT_MOD_TILE_GFX9_*` apply to GFX9 through GFX11, `GFX11_256K_R_X` to GFX11,
    /// and `AMD_FMT_MOD_TILE_GFX12_*` to GFX12.
    private static func tiles(version: UInt64) -> [UInt64: String] {
        let gfx9: [UInt64: String] = [9: "64K_S", 10: "64K_D", 25: "64K_S_X", 26: "64K_D_X", 27: "64K_R_X"]
        switch version {
        case 1...3: return gfx9
        case 4: return gfx9.merging([31: "256K_R_X"]) { a, _ in a }
        case 5: return [1: "256B_2D", 2: "4K_2D", 3: "64K_2D", 4: "256K_2D"]
        default: return [:]
        }
    }

    private static let flags: [(String, UInt64)] = [
        ("DCC", 1 << 13), ("DCC_RETILE", 1 << 14), ("DCC_PIPE_ALIGN", 1 << 15),
        ("DCC_INDEPENDENT_64B", 1 << 16), ("DCC_INDEPENDENT_128B", 1 << 17), ("DCC_CONSTANT_ENCODE", 1 << 20),
    ]

    /// Multi-bit fields, in bit order. `names` spells values where the header names them.
    private static let fields: [(name: String, shift: UInt64, mask: UInt64, names: [String])] = [
        ("DCC_MAX_COMPRESSED_BLOCK", 18, 0x3, ["64B", "128B", "256B"]),
        ("PIPE_XOR_BITS", 21, 0x7, []), ("BANK_XOR_BITS", 24, 0x7, []), ("PACKERS", 27, 0x7, []),
        ("RB", 30, 0x7, []), ("PIPE", 33, 0x7, []),
    ]

    func name(_ value: UInt64) -> String? {
        guard value >> 36 == 0 else { return nil }
        let version = value & 0xff, tile = value >> 8 & 0x1f
        let versionName =
            Int(version) < Self.versions.count && version != 0 ? Self.versions[Int(version)] : "\(version)"
        var parts = [versionName, Self.tiles(version: version)[tile] ?? "\(tile)"]
        parts += Self.flags.filter { value & $0.1 != 0 }.map(\.0)
        for field in Self.fields {
            let n = value >> field.shift & field.mask
            // The block-size limit is 64B when unset; show it whenever DCC is on.
            let relevant = n != 0 || (field.name == "DCC_MAX_COMPRESSED_BLOCK" && value & 1 << 13 != 0)
            if relevant {
                parts.append("\(field.name)=\(n < field.names.count ? field.names[Int(n)] : "\(n)")")
            }
        }
        return "AMD(\(parts.joined(separator: ",")))"
    }

    func parse(head: String, arguments: Substring) -> UInt64? {
        guard let parts = ModifierSyntax.split(arguments, on: ","), parts.count >= 2,
            let version = Self.version(parts[0]), let tile = Self.tile(parts[1], version: version)
        else { return nil }
        var value = version | tile << 8
        for part in parts.dropFirst(2) {
            let bare = ModifierSyntax.dropPrefix("AMD_FMT_MOD_", from: part)
            if let flag = Self.flags.first(where: { $0.0 == bare }) {
                value |= flag.1
                continue
            }
            guard let equals = bare.firstIndex(of: "="),
                let field = Self.fields.first(where: { $0.name == ModifierSyntax.trim(bare[..<equals]) })
            else { return nil }
            let text = ModifierSyntax.trim(bare[bare.index(after: equals)...])
            guard
                let n = field.names.firstIndex(where: { $0 == text }).map(UInt64.init)
                    ?? ModifierSyntax.integer(text, max: field.mask)
            else { return nil }
            value = value & ~(field.mask << field.shift) | n << field.shift
        }
        return value
    }

    /// `GFX10`, `TILE_VER_GFX10`, `AMD_FMT_MOD_TILE_VER_GFX10` or a number up to 0xff.
    private static func version(_ text: Substring) -> UInt64? {
        let bare = ModifierSyntax.dropPrefix(
            "TILE_VER_", from: ModifierSyntax.dropPrefix("AMD_FMT_MOD_", from: text))
        if let index = versions.dropFirst().firstIndex(where: { $0 == bare }) { return UInt64(index) }
        return ModifierSyntax.integer(text, max: 0xff)
    }

    /// `64K_S_X`, `GFX9_64K_S_X`, `AMD_FMT_MOD_TILE_GFX9_64K_S_X` or a number up to 31.
    private static func tile(_ text: Substring, version: UInt64) -> UInt64? {
        var bare = ModifierSyntax.dropPrefix(
            "TILE_", from: ModifierSyntax.dropPrefix("AMD_FMT_MOD_", from: text))
        for prefix in ["GFX9_", "GFX11_", "GFX12_"] { bare = ModifierSyntax.dropPrefix(prefix, from: bare) }
        if let entry = tiles(version: version).first(where: { $0.value == bare }) { return entry.key }
        return ModifierSyntax.integer(text, max: 0x1f)
    }

    func layout(_ value: UInt64) -> ModifierLayout {
        if value & 1 << 13 != 0 { return .opaque(reason: "compressed: DCC metadata planes") }
        return .opaque(reason: "AMD swizzle: block shape depends on the chip and bytes per pixel")
    }
}
