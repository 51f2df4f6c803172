import Testing
@testable import HeapwiseCore

/// Layout must match what drivers compute (`drm_format_info_min_pitch`, plane heights with
/// vsub), or a buffer the resolver calls valid is refused at import time.
@Suite struct LayoutTests {
    func format(_ name: String) throws -> FormatInfo { try #require(FormatInfo.lookup(name)) }

    func layout(_ name: String, _ w: Int, _ h: Int, _ c: Constraints = Constraints(), modifier: Modifier = .linear) throws -> ImageLayout {
        try LayoutCalculator.layout(format: try format(name), modifier: modifier, width: w, height: h, constraints: c)
    }

    func planes(_ l: ImageLayout) -> [[Int]] {
        l.buffers.flatMap { $0.planes.map { [$0.index, $0.offset, $0.stride, $0.size] } }
    }

    @Test func nv12FullHDLinear() throws {
        let l = try layout("NV12", 1920, 1080)
        #expect(planes(l) == [[0, 0, 1920, 2_073_600], [1, 2_073_600, 1920, 1_036_800]])
        #expect(l.size == 3_110_400)
    }

    @Test func nv12WithMacroblockHeightAndPageSize() throws {
        let l = try layout("NV12", 1920, 1080, Constraints(pitchAlignment: 64, heightAlignment: 16, sizeAlignment: 4096))
        #expect(planes(l) == [[0, 0, 1920, 2_088_960], [1, 2_088_960, 1920, 1_044_480]])
        #expect(l.size == 3_133_440)
    }

    @Test func oddSizesRoundChromaUp() throws {
        // drm_format_info_plane_width/height use DIV_ROUND_UP for subsampled planes.
        let l = try layout("YUV420", 33, 17)
        #expect(planes(l) == [[0, 0, 33, 561], [1, 561, 17, 153], [2, 714, 17, 153]])
    }

    @Test func tenBitFormatsUseTwoBytesPerSample() throws {
        let l = try layout("P010", 1280, 720, Constraints(pitchAlignment: 256))
        #expect(planes(l) == [[0, 0, 2560, 1_843_200], [1, 1_843_200, 2560, 921_600]])
    }

    @Test func packedFormatStride() throws {
        let l = try layout("XRGB8888", 1366, 768, Constraints(pitchAlignment: 64))
        // 1366 × 4 = 5464 → 5504 (next multiple of 64).
        #expect(planes(l) == [[0, 0, 5504, 5504 * 768]])
    }

    @Test func blockFormatsDivideByBlockArea() throws {
        // X0L0: 8 bytes per 2×2 block, so min pitch = ceil(64 × 8 / 4) = 128.
        let l = try layout("X0L0", 64, 4)
        #expect(planes(l) == [[0, 0, 128, 512]])
    }

    @Test func offsetAlignmentAndPaddingApplyPerPlane() throws {
        let l = try layout("NV12", 100, 10, Constraints(offsetAlignment: 256, paddingBytes: 8))
        #expect(planes(l) == [[0, 0, 100, 1008], [1, 1024, 100, 508]])
        #expect(l.size == 1532)
    }

    @Test func extraRowsAndWidthAlignment() throws {
        let l = try layout("NV12", 1918, 1080, Constraints(widthAlignment: 16, heightAlignment: 32, extraRows: 16))
        // W' = 1920, H' = 1088 + 16 = 1104, chroma 552 rows.
        #expect(planes(l) == [[0, 0, 1920, 1920 * 1104], [1, 1920 * 1104, 1920, 1920 * 552]])
    }

    @Test func separatePlacementsGiveSeparateBuffers() throws {
        let c = Constraints(sizeAlignment: 4096, placement: PlanePlacement(labels: [0: "bank0", 1: "bank1"]))
        let l = try layout("NV12", 1920, 1080, c)
        #expect(l.buffers.count == 2)
        #expect(l.buffers[0].planes.map(\.offset) == [0])
        #expect(l.buffers[1].planes.map(\.offset) == [0])
        #expect(l.buffers.map(\.size) == [2_076_672, 1_036_800 + 4096 - 1_036_800 % 4096])
    }

    @Test func tiledModifierAlignsToTiles() throws {
        // Intel X tiles are 512 bytes × 8 rows (i915 `intel_tile_width_bytes`, `intel_tile_height`).
        let x = try #require(Modifier(name: "I915_FORMAT_MOD_X_TILED"))
        let l = try layout("XRGB8888", 1000, 101, modifier: x)
        #expect(planes(l) == [[0, 0, 4096, 4096 * 104]])
    }

    @Test func implicitModifierIsLaidOutLinear() throws {
        let l = try layout("NV12", 64, 64, modifier: .invalid)
        #expect(l == (try layout("NV12", 64, 64)))
    }

    @Test func overflowingSizesAreErrors() throws {
        #expect(throws: LayoutError.self) {
            try layout("XRGB16161616F", Int.max / 4, 1 << 20)
        }
        #expect(throws: LayoutError.self) {
            try layout("NV12", 1 << 31, 1 << 31, Constraints(pitchAlignment: 1 << 40))
        }
    }
}

extension LayoutTests {
    /// NV12MT as drm_fourcc.h states it: each buffer 128-pixel wide multiples and 32-row
    /// multiples, so 1280×720 gives 1280×736 luma and 1280×384 chroma (s5p-mfc's sizes).
    @Test func samsungTiledNV12() throws {
        let tile = try #require(Modifier(name: "SAMSUNG_64_32_TILE"))
        let l = try layout("NV12", 1280, 720, modifier: tile)
        #expect(planes(l) == [[0, 0, 1280, 1280 * 736], [1, 1280 * 736, 1280, 1280 * 384]])
    }
}

extension LayoutTests {
    /// AFBC sizes are the kernel's minimum (`drm_gem_afbc_min_size`): 1920×1080 XRGB8888 in
    /// 16×16 superblocks pads to 1920×1088 = 8160 superblocks, 8160 × 16 header bytes, and
    /// 8160 × 1024 payload bytes.
    @Test func afbcMatchesTheKernelsMinimumSize() throws {
        let afbc = try Modifier.parse("ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)")
        let l = try layout("XRGB8888", 1920, 1080, modifier: afbc)
        #expect(l.size == 8160 * 16 + 8160 * 1024)
        #expect(planes(l) == [[0, 0, 7680, 8_486_400]])
    }

    /// Tiled headers pad to 8×8 superblocks and start the body at 4 KiB.
    @Test func afbcTiledHeaders() throws {
        let afbc = try Modifier.parse("ARM_AFBC(BLOCK_SIZE_16x16|TILED)")
        let l = try layout("XRGB8888", 1920, 1080, modifier: afbc)
        // 1920×1152 → 8640 superblocks; headers 138240 → 139264; bodies 8640 × 1024.
        #expect(l.size == 139_264 + 8640 * 1024)
    }

    @Test func afbcRefusesWhatTheKernelRefuses() throws {
        let wide = try Modifier.parse("ARM_AFBC(BLOCK_SIZE_64x4)")
        #expect(throws: LayoutError.self) { try layout("XRGB8888", 64, 64, modifier: wide) }
        let afbc = try Modifier.parse("ARM_AFBC(BLOCK_SIZE_16x16)")
        #expect(throws: LayoutError.self) { try layout("NV12", 64, 64, modifier: afbc) }
    }
}
