import Testing

@testable import HeapwiseCore

/// Values worked out by hand from the macros of Linux 6.1 include/uapi/drm/drm_fourcc.h:
/// `fourcc_mod_code(vendor, val)` = vendor << 56 | val.
private let headerValues: [(name: String, rawValue: UInt64)] = [
    ("LINEAR", 0),
    ("INVALID", 0x00ff_ffff_ffff_ffff),
    ("I915_FORMAT_MOD_X_TILED", 0x0100_0000_0000_0001),
    ("I915_FORMAT_MOD_Y_TILED", 0x0100_0000_0000_0002),
    ("I915_FORMAT_MOD_Yf_TILED", 0x0100_0000_0000_0003),
    ("I915_FORMAT_MOD_Y_TILED_CCS", 0x0100_0000_0000_0004),
    ("I915_FORMAT_MOD_Yf_TILED_CCS", 0x0100_0000_0000_0005),
    ("I915_FORMAT_MOD_Y_TILED_GEN12_RC_CCS", 0x0100_0000_0000_0006),
    ("I915_FORMAT_MOD_Y_TILED_GEN12_MC_CCS", 0x0100_0000_0000_0007),
    ("I915_FORMAT_MOD_Y_TILED_GEN12_RC_CCS_CC", 0x0100_0000_0000_0008),
    ("I915_FORMAT_MOD_4_TILED", 0x0100_0000_0000_0009),
    ("I915_FORMAT_MOD_4_TILED_DG2_RC_CCS", 0x0100_0000_0000_000a),
    ("I915_FORMAT_MOD_4_TILED_DG2_MC_CCS", 0x0100_0000_0000_000b),
    ("I915_FORMAT_MOD_4_TILED_DG2_RC_CCS_CC", 0x0100_0000_0000_000c),
    ("SAMSUNG_64_32_TILE", 0x0400_0000_0000_0001),
    ("SAMSUNG_16_16_TILE", 0x0400_0000_0000_0002),
    ("QCOM_COMPRESSED", 0x0500_0000_0000_0001),
    ("QCOM_TILED2", 0x0500_0000_0000_0002),
    ("QCOM_TILED3", 0x0500_0000_0000_0003),
    ("VIVANTE_TILED", 0x0600_0000_0000_0001),
    ("VIVANTE_SUPER_TILED", 0x0600_0000_0000_0002),
    ("VIVANTE_SPLIT_TILED", 0x0600_0000_0000_0003),
    ("VIVANTE_SPLIT_SUPER_TILED", 0x0600_0000_0000_0004),
    ("NVIDIA_TEGRA_TILED", 0x0300_0000_0000_0001),
    ("BROADCOM_VC4_T_TILED", 0x0700_0000_0000_0001),
    ("BROADCOM_SAND32", 0x0700_0000_0000_0002),
    ("BROADCOM_SAND64", 0x0700_0000_0000_0003),
    ("BROADCOM_SAND128", 0x0700_0000_0000_0004),
    ("BROADCOM_SAND256", 0x0700_0000_0000_0005),
    ("BROADCOM_UIF", 0x0700_0000_0000_0006),
    // DRM_FORMAT_MOD_ARM_CODE(DRM_FORMAT_MOD_ARM_TYPE_MISC, 1): type 1 << 52.
    ("ARM_16X16_BLOCK_U_INTERLEAVED", 0x0810_0000_0000_0001),
    ("ALLWINNER_TILED", 0x0900_0000_0000_0001),
    // ARM_AFBC: BLOCK_SIZE_16x16 = 1, 32x8 = 2, 64x4 = 3, 32x8_64x4 = 4; YTR 1 << 4,
    // SPLIT 1 << 5, SPARSE 1 << 6, CBR 1 << 7, TILED 1 << 8, SC 1 << 9, DB 1 << 10,
    // BCH 1 << 11, USM 1 << 12.
    ("ARM_AFBC(BLOCK_SIZE_16x16)", 0x0800_0000_0000_0001),
    ("ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)", 0x0800_0000_0000_0051),
    ("ARM_AFBC(BLOCK_SIZE_32x8|YTR|SPLIT|SPARSE)", 0x0800_0000_0000_0072),
    ("ARM_AFBC(BLOCK_SIZE_32x8_64x4|YTR|SPLIT|SPARSE|CBR|TILED|SC|DB|BCH|USM)", 0x0800_0000_0000_1ff4),
    ("ARM_AFBC(0)", 0x0800_0000_0000_0000),
    // ARM_AFRC: type 2 << 52; CU_SIZE_P0(CU_SIZE_16 = 1) | CU_SIZE_P12(CU_SIZE_24 = 2) << 4
    // | LAYOUT_SCAN 1 << 8.
    ("ARM_AFRC(CU_SIZE_P0(16)|CU_SIZE_P12(24)|LAYOUT_SCAN)", 0x0820_0000_0000_0121),
    ("ARM_AFRC(CU_SIZE_P0(32))", 0x0820_0000_0000_0003),
    // NVIDIA_16BX2_BLOCK(v) = BLOCK_LINEAR_2D(0, 0, 0, 0, v) = 0x10 | v.
    ("NVIDIA_16BX2_BLOCK(0)", 0x0300_0000_0000_0010),
    ("NVIDIA_16BX2_BLOCK(4)", 0x0300_0000_0000_0014),
    // BLOCK_LINEAR_2D(c=0, s=1, g=2, k=0xfe, h=4) = 0x10 | 4 | 0xfe << 12 | 2 << 20 | 1 << 22.
    ("NVIDIA_BLOCK_LINEAR_2D(0,1,2,0xfe,4)", 0x0300_0000_006f_e014),
    // c=1 << 23, k=0x06 << 12, h=5.
    ("NVIDIA_BLOCK_LINEAR_2D(1,0,0,0x06,5)", 0x0300_0000_0080_6015),
    // fourcc_mod_broadcom_code(4, 1088) = 1088 << 8 | 4.
    ("BROADCOM_SAND128_COL_HEIGHT(1088)", 0x0700_0000_0004_4004),
    ("BROADCOM_SAND256_COL_HEIGHT(1)", 0x0700_0000_0000_0105),
    // AMLOGIC_FBC(layout, options) = layout | options << 8; BASIC 1, SCATTER 2, MEM_SAVING 1.
    ("AMLOGIC_FBC(BASIC,MEM_SAVING)", 0x0a00_0000_0000_0101),
    ("AMLOGIC_FBC(SCATTER,0)", 0x0a00_0000_0000_0002),
    // AMD: TILE_VERSION GFX10 = 2, TILE GFX9_64K_R_X = 27 << 8, DCC 1 << 13,
    // DCC_INDEPENDENT_64B 1 << 16, DCC_MAX_COMPRESSED_BLOCK 64B = 0 << 18, PIPE_XOR_BITS 4 << 21.
    (
        "AMD(GFX10,64K_R_X,DCC,DCC_INDEPENDENT_64B,DCC_MAX_COMPRESSED_BLOCK=64B,PIPE_XOR_BITS=4)",
        0x0200_0000_0081_3b02
    ),
    // GFX9 = 1, GFX9_64K_S = 9 << 8.
    ("AMD(GFX9,64K_S)", 0x0200_0000_0000_0901),
    // GFX12 = 5, GFX12_64K_2D = 3 << 8.
    ("AMD(GFX12,64K_2D)", 0x0200_0000_0000_0305),
]

@Suite("Modifier names")
struct ModifierNameTests {
    @Test func namesMatchTheHeader() {
        for (name, rawValue) in headerValues {
            let modifier = Modifier(rawValue: rawValue)
            #expect(modifier.name == name)
            #expect(modifier.description == name)
            #expect(Modifier(name: name) == modifier, "\(name)")
        }
    }

    @Test func unknownValuesPrintAsSixteenHexDigits() {
        #expect(Modifier(rawValue: 0x0100_0000_0000_000d).name == "0x010000000000000d")
        #expect(Modifier(rawValue: 0x0b00_0000_0000_0001).name == "0x0b00000000000001")
        #expect(Modifier(rawValue: 1).name == "0x0000000000000001")
        #expect(Modifier(rawValue: .max).name == "0xffffffffffffffff")
        // Bits outside a family's fields make the value unnamed.
        #expect(Modifier(rawValue: 0x0800_0000_0000_2001).name == "0x0800000000002001")  // AFBC bit 13
        #expect(Modifier(rawValue: 0x0800_0000_0000_0005).name == "0x0800000000000005")  // block size 5
        #expect(Modifier(rawValue: 0x0300_0000_0000_0030).name == "0x0300000000000030")  // NVIDIA bit 5
        #expect(Modifier(rawValue: 0x0700_0000_0000_0101).name == "0x0700000000000101")  // T_TILED + param
        #expect(Modifier(rawValue: 0x0200_0010_0000_0000).name == "0x0200001000000000")  // AMD bit 36
    }

    @Test(
        arguments: [
            ("linear", 0), ("DRM_FORMAT_MOD_LINEAR", 0), ("none", 0), ("DRM_FORMAT_MOD_NONE", 0),
            ("drm_format_mod_invalid", 0x00ff_ffff_ffff_ffff),
            ("I915_FORMAT_MOD_X_TILED", 0x0100_0000_0000_0001), ("x_tiled", 0x0100_0000_0000_0001),
            ("  X_TILED  ", 0x0100_0000_0000_0001), ("i915_format_mod_yf_tiled", 0x0100_0000_0000_0003),
            ("Y_TILED_GEN12_RC_CCS", 0x0100_0000_0000_0006), ("4_tiled", 0x0100_0000_0000_0009),
            ("GENERIC_16_16_TILE", 0x0400_0000_0000_0002),
            ("DRM_FORMAT_MOD_GENERIC_16_16_TILE", 0x0400_0000_0000_0002),
            ("0x0100000000000001", 0x0100_0000_0000_0001), ("0X0100000000000001", 0x0100_0000_0000_0001),
            ("72057594037927937", 0x0100_0000_0000_0001), ("0", 0), ("0xffffffffffffffff", .max),
            ("18446744073709551615", .max),
            ("NVIDIA_16BX2_BLOCK_SIXTEEN_GOB", 0x0300_0000_0000_0014),
            ("DRM_FORMAT_MOD_NVIDIA_16BX2_BLOCK_ONE_GOB", 0x0300_0000_0000_0010),
            ("nvidia_block_linear_2d(0, 1, 2, 254, 4)", 0x0300_0000_006f_e014),
            ("NVIDIA_BLOCK_LINEAR_2D(0,0,0,0,4)", 0x0300_0000_0000_0014),
            ("BROADCOM_SAND128_COL_HEIGHT(0)", 0x0700_0000_0000_0004),
            ("DRM_FORMAT_MOD_BROADCOM_SAND128_COL_HEIGHT(0x440)", 0x0700_0000_0004_4004),
            (
                "DRM_FORMAT_MOD_ARM_AFBC(AFBC_FORMAT_MOD_BLOCK_SIZE_16x16 | AFBC_FORMAT_MOD_SPARSE | AFBC_FORMAT_MOD_YTR)",
                0x0800_0000_0000_0051
            ),
            ("arm_afbc(sparse|ytr|block_size_16x16)", 0x0800_0000_0000_0051),
            (
                "ARM_AFRC(LAYOUT_SCAN|AFRC_FORMAT_MOD_CU_SIZE_P0(AFRC_FORMAT_MOD_CU_SIZE_16))",
                0x0820_0000_0000_0101
            ),
            ("AMLOGIC_FBC(AMLOGIC_FBC_LAYOUT_BASIC, AMLOGIC_FBC_OPTION_MEM_SAVING)", 0x0a00_0000_0000_0101),
            ("AMD(AMD_FMT_MOD_TILE_VER_GFX9, AMD_FMT_MOD_TILE_GFX9_64K_S)", 0x0200_0000_0000_0901),
            ("amd(gfx10,64k_r_x,dcc,dcc_independent_64b,pipe_xor_bits=4)", 0x0200_0000_0081_3b02),
        ] as [(String, UInt64)])
    func parsesSpellings(text: String, rawValue: UInt64) throws {
        #expect(try Modifier.parse(text) == Modifier(rawValue: rawValue))
    }

    @Test func everyNamedValueRoundTrips() {
        for entry in ModifierTable.named {
            let modifier = Modifier(rawValue: entry.rawValue)
            #expect(modifier.name == entry.name)
            #expect((try? Modifier.parse(entry.name)) == modifier, "\(entry.name)")
            #expect((try? Modifier.parse("DRM_FORMAT_MOD_" + entry.name)) == modifier, "\(entry.name)")
            #expect((try? Modifier.parse(entry.name.lowercased())) == modifier, "\(entry.name)")
            for alias in entry.aliases {
                #expect((try? Modifier.parse(alias)) == modifier, "\(alias)")
            }
        }
        for alias in ModifierFamilies.aliases {
            #expect((try? Modifier.parse(alias.name)) == Modifier(rawValue: alias.rawValue), "\(alias.name)")
        }
    }

    /// Random values in each vendor's space, with low bits drawn from masks of several widths
    /// so the families' fields (and the bits just past them) are hit often.
    @Test func pseudoRandomValuesRoundTrip() throws {
        var generator = SplitMix64(seed: 0x4865_6170_7769_7365)  // "Heapwise"
        let masks: [UInt64] = [0xf, 0xff, 0x1fff, 0xffff, 0x3ff_ffff, 0xf_ffff_ffff, 0x00ff_ffff_ffff_ffff]
        let armTypes: [UInt64] = [0, 1 << 52, 2 << 52, 3 << 52]
        var named = 0
        for round in 0..<20_000 {
            let raw: UInt64
            if round % 4 == 0 {
                raw = generator.next()
            } else {
                let vendor = UInt64.random(in: 0...0x0b, using: &generator)
                let low = generator.next() & masks[Int.random(in: 0..<masks.count, using: &generator)]
                let type =
                    vendor == 0x08 ? armTypes[Int.random(in: 0..<armTypes.count, using: &generator)] : 0
                raw = vendor << 56 | type | low
            }
            let modifier = Modifier(rawValue: raw)
            let name = modifier.name
            if !name.hasPrefix("0x") { named += 1 }
            #expect(try Modifier.parse(name) == modifier, "\(name)")
            #expect(try Modifier.parse(name.lowercased()) == modifier, "\(name)")
        }
        // The walk must actually reach the named forms, not only hex.
        #expect(named > 1_000)
    }

    @Test func everyAFBCCombinationRoundTrips() throws {
        for mode: UInt64 in 0..<(1 << 13) {
            let modifier = Modifier(rawValue: 0x0800_0000_0000_0000 | mode)
            #expect(try Modifier.parse(modifier.name) == modifier)
            #expect(modifier.name.hasPrefix("ARM_AFBC(") == (mode & 0xf <= 4))
        }
    }

    @Test func unknownNamesSuggestTheClosest() {
        #expect(throws: ModifierError.unknownModifier("X_TILD", suggestion: "I915_FORMAT_MOD_X_TILED")) {
            try Modifier.parse("X_TILD")
        }
        #expect(throws: ModifierError.unknownModifier("linaer", suggestion: "LINEAR")) {
            try Modifier.parse("linaer")
        }
        #expect(throws: ModifierError.unknownModifier("ARM_AFBD(YTR)", suggestion: "ARM_AFBC(…)")) {
            try Modifier.parse("ARM_AFBD(YTR)")
        }
        #expect(throws: ModifierError.unknownModifier("", suggestion: nil)) { try Modifier.parse("") }
        #expect(throws: ModifierError.unknownModifier("0x1ffffffffffffffff", suggestion: nil)) {
            try Modifier.parse("0x1ffffffffffffffff")
        }
        #expect(Modifier(name: "no such thing") == nil)
    }

    @Test(arguments: [
        "ARM_AFBC(BLOCK_SIZE_16x16|FOO)", "ARM_AFBC(BLOCK_SIZE_16x16|BLOCK_SIZE_32x8)", "ARM_AFBC()",
        "ARM_AFBC(YTR||SPARSE)", "NVIDIA_16BX2_BLOCK(16)", "NVIDIA_BLOCK_LINEAR_2D(0,0,0,4)",
        "NVIDIA_BLOCK_LINEAR_2D(8,0,0,0,4)", "BROADCOM_SAND128_COL_HEIGHT(-1)",
        "BROADCOM_SAND128_COL_HEIGHT(0x1000000000000)", "ARM_AFRC(CU_SIZE_P0(20))", "AMLOGIC_FBC(BASIC)",
        "AMD(GFX9)", "AMD(GFX9,64K_S,PIPE_XOR_BITS=8)", "AMD(GFX9,64K_S,FOO)",
    ])
    func rejectsBadArguments(text: String) {
        #expect(throws: ModifierError.self) { try Modifier.parse(text) }
        do {
            _ = try Modifier.parse(text)
        } catch {
            guard case .invalidArguments(let echoed, _) = error else {
                Issue.record("expected invalidArguments, got \(error)")
                return
            }
            #expect(echoed == text)
        }
    }

    @Test func errorMessages() {
        #expect(
            ModifierError.unknownModifier("X_TILD", suggestion: "I915_FORMAT_MOD_X_TILED").description
                == "unknown modifier 'X_TILD': did you mean I915_FORMAT_MOD_X_TILED?"
                + " (a value such as 0x0100000000000001 is also accepted)")
        #expect(
            ModifierError.invalidArguments("AMD(GFX9)", expected: "AMD(…)").description
                == "invalid modifier 'AMD(GFX9)': expected AMD(…)")
    }

    @Test func vendorNames() {
        #expect(Modifier.linear.vendorName == "NONE")
        #expect(Modifier.invalid.vendorName == "NONE")
        #expect(Modifier(rawValue: 0x0100_0000_0000_0001).vendorName == "INTEL")
        #expect(Modifier(rawValue: 0x0200_0000_0000_0000).vendorName == "AMD")
        #expect(Modifier(rawValue: 0x0800_0000_0000_0051).vendorName == "ARM")
        #expect(Modifier(rawValue: 0x0a00_0000_0000_0101).vendorName == "AMLOGIC")
        #expect(Modifier(rawValue: 0x0b00_0000_0000_0000).vendorName == nil)
        #expect(Modifier(rawValue: .max).vendorName == nil)
    }
}

@Suite("Modifier layouts")
struct ModifierLayoutTests {
    private func tiled(_ width: Int, _ rows: Int) -> ModifierLayout {
        .tiled(TileGeometry(widthBytes: width, rows: rows))
    }

    private func isOpaque(_ layout: ModifierLayout) -> Bool {
        if case .opaque = layout { return true }
        return false
    }

    @Test func plainLayouts() throws {
        #expect(Modifier.linear.layout == .linear)
        #expect(try Modifier.parse("I915_FORMAT_MOD_X_TILED").layout == tiled(512, 8))
        #expect(try Modifier.parse("I915_FORMAT_MOD_Y_TILED").layout == tiled(128, 32))
        #expect(try Modifier.parse("I915_FORMAT_MOD_4_TILED").layout == tiled(128, 32))
        #expect(try Modifier.parse("NVIDIA_TEGRA_TILED").layout == tiled(16, 16))
        #expect(try Modifier.parse("SAMSUNG_64_32_TILE").layout == tiled(128, 32))
        #expect(try Modifier.parse("NVIDIA_16BX2_BLOCK(0)").layout == tiled(64, 8))
        #expect(try Modifier.parse("NVIDIA_16BX2_BLOCK(4)").layout == tiled(64, 128))
        #expect(try Modifier.parse("NVIDIA_BLOCK_LINEAR_2D(0,1,2,0xfe,5)").layout == tiled(64, 256))
        #expect(try Modifier.parse("NVIDIA_BLOCK_LINEAR_2D(0,0,1,0x70,1)").layout == tiled(64, 8))  // G80 GOBs: 4 rows
    }

    @Test func implicitModifierIsOpaque() {
        #expect(
            Modifier.invalid.layout
                == .opaque(reason: "implicit modifier: the layout is chosen by the driver"))
    }

    @Test(arguments: [
        "I915_FORMAT_MOD_Yf_TILED", "I915_FORMAT_MOD_Y_TILED_CCS", "I915_FORMAT_MOD_Y_TILED_GEN12_RC_CCS",
        "I915_FORMAT_MOD_4_TILED_DG2_RC_CCS", "SAMSUNG_16_16_TILE", "QCOM_COMPRESSED",
        "VIVANTE_SUPER_TILED", "BROADCOM_VC4_T_TILED", "BROADCOM_SAND128", "BROADCOM_SAND128_COL_HEIGHT(96)",
        "BROADCOM_UIF", "ARM_AFBC(BLOCK_SIZE_64x4)", "ARM_AFRC(CU_SIZE_P0(16))",
        "ARM_16X16_BLOCK_U_INTERLEAVED", "ALLWINNER_TILED", "AMLOGIC_FBC(BASIC,0)", "AMD(GFX9,64K_S)",
        "NVIDIA_BLOCK_LINEAR_2D(1,1,2,0xfe,4)", "NVIDIA_BLOCK_LINEAR_2D(0,1,3,0xfe,4)", "0x0b00000000000001",
    ])
    func opaqueLayouts(name: String) throws {
        #expect(isOpaque(try Modifier.parse(name).layout))
    }
}
