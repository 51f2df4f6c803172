/// The size of an AFBC buffer, exactly as the kernel checks it before accepting a
/// framebuffer (`drm_gem_afbc_min_size` in `drivers/gpu/drm/drm_gem_framebuffer_helper.c`,
/// Linux 6.1): the image is padded to whole superblocks (to 8×8 superblocks with tiled
/// headers), each superblock has a 16-byte header, the header area is aligned to 64 bytes
/// (4 KiB with tiled headers), and each superblock's payload takes its uncompressed size
/// rounded up to 128 bytes: the worst case, since the compressed size is known only later.
enum AFBCLayout {
    static let headerSize = 16
    static let headerAlignment = 64
    static let tiledLayoutAlignment = 8
    static let tiledBodyAlignment = 4096
    static let superblockPixels = 256
    static let superblockAlignment = 128

    /// Bits per pixel as `drm_gem_afbc_get_bpp` reads them: the table's, except the three
    /// formats whose block size the 6.1 table leaves out.
    static func bitsPerPixel(_ format: FormatInfo) -> Int {
        switch format.name {
        case "YUV420_8BIT": 12
        case "YUV420_10BIT": 15
        case "VUY101010": 30
        default: format.cpp[0] * 8 / (format.blockWidth[0] * format.blockHeight[0])
        }
    }

    static func layout(
        format: FormatInfo, geometry g: AFBCGeometry, width: Int, height: Int, modifier: Modifier
    ) throws(LayoutError) -> ImageLayout {
        guard format.planes == 1 else {
            throw .opaqueModifier(modifier, reason: "AFBC compresses single-plane formats; \(format.name) has \(format.planes) planes")
        }
        let bpp = bitsPerPixel(format)
        guard bpp > 0 else { throw .opaqueModifier(modifier, reason: "\(format.name) has no bits-per-pixel for AFBC") }
        let scale = g.tiledHeaders ? tiledLayoutAlignment : 1
        let overflow = LayoutError.overflow(width: width, height: height)
        guard let alignedWidth = Arithmetic.alignUp(width, g.blockWidth * scale),
              let alignedHeight = Arithmetic.alignUp(height, g.blockHeight * scale),
              let pixels = Arithmetic.multiply(alignedWidth, alignedHeight),
              let headers = Arithmetic.alignUp(pixels / superblockPixels * headerSize,
                                               g.tiledHeaders ? tiledBodyAlignment : headerAlignment),
              let payload = Arithmetic.alignUp(bpp * superblockPixels / 8, superblockAlignment),
              let bodies = Arithmetic.multiply(pixels / superblockPixels, payload),
              let size = Arithmetic.add(headers, bodies),
              let stride = Arithmetic.multiply(alignedWidth, bpp)
        else { throw overflow }
        // Drivers read pitches[0] of an AFBC framebuffer as the padded width in bytes
        // (e.g. rockchip_drm_vop2.c derives the AFBC stride in pixels from it).
        let plane = PlaneLayout(index: 0, offset: 0, stride: stride / 8, size: size)
        return ImageLayout(buffers: [BufferLayout(planes: [plane], size: size)], size: size)
    }
}
