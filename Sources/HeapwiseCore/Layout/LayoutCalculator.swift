/// Plane sizes, strides and offsets, following the kernel's `drm_format_info_plane_width`,
/// `drm_format_info_plane_height` and `drm_format_info_min_pitch` (`drm_fourcc.c`):
///
///     W' = align(W, width_alignment)          H' = align(H, height_alignment) + extra_rows
///     w_p = W' (p = 0) or ceil(W' / hsub)     rows_p = H' (p = 0) or ceil(H' / vsub)
///     stride_p = align(ceil(w_p × cpp_p / (block_w_p × block_h_p)), pitch_alignment)
///     size_p = stride_p × rows_p + padding_bytes
///     offset_0 = 0, offset_p = align(offset_{p-1} + size_{p-1}, offset_alignment)
///     buffer size = align(end of its last plane, size_alignment)
///
/// A tiled modifier adds its tile: strides become whole tiles across and rows whole tile rows.
/// Planes placed in separate regions go to separate buffers, each starting at offset 0.
public enum LayoutCalculator {
    public static func layout(
        format: FormatInfo, modifier: Modifier, width: Int, height: Int, constraints c: Constraints
    ) throws(LayoutError) -> ImageLayout {
        var pitchAlignment = c.pitchAlignment ?? 1
        var tileRows = 1
        // An implicit modifier (INVALID) means "whatever the driver picks"; without a tiling
        // ioctl that is linear, which is what drivers assume for legacy ADDFB2 and V4L2.
        switch modifier.isImplicit ? .linear : modifier.layout {
        case .linear:
            break
        case let .tiled(tile):
            guard let combined = Arithmetic.lcm(pitchAlignment, tile.widthBytes) else {
                throw .overflow(width: width, height: height)
            }
            pitchAlignment = combined
            tileRows = tile.rows
        case let .afbc(geometry):
            // The kernel checks only the total (drm_gem_afbc_min_size); rounding it to the
            // devices' size alignment keeps the heaps' page granularity.
            let afbc = try AFBCLayout.layout(format: format, geometry: geometry, width: width, height: height, modifier: modifier)
            guard let size = Arithmetic.alignUp(afbc.size, c.sizeAlignment ?? 1) else {
                throw .overflow(width: width, height: height)
            }
            return ImageLayout(buffers: [BufferLayout(planes: afbc.buffers[0].planes, size: size)], size: size)
        case let .opaque(reason):
            throw .opaqueModifier(modifier, reason: reason)
        }

        let overflow = LayoutError.overflow(width: width, height: height)
        guard let alignedWidth = Arithmetic.alignUp(width, c.widthAlignment ?? 1),
              let alignedRows = Arithmetic.alignUp(height, c.heightAlignment ?? 1),
              let fullHeight = Arithmetic.add(alignedRows, c.extraRows ?? 0)
        else { throw overflow }

        let placement = c.placement ?? .together
        let planeCount = min(format.planes, PlanePlacement.maxPlanes)
        var buffers: [BufferLayout] = []
        var total = 0
        // One buffer per group of planes, groups in order of their first plane.
        for leader in 0..<planeCount where placement.group(leader) == leader {
            var planes: [PlaneLayout] = []
            planes.reserveCapacity(planeCount - leader)
            var end = 0
            for p in leader..<planeCount where placement.group(p) == leader {
                guard let minPitch = format.minimumPitch(p, width: alignedWidth),
                      let stride = Arithmetic.alignUp(minPitch, pitchAlignment),
                      let rows = Arithmetic.alignUp(format.planeHeight(p, height: fullHeight), tileRows),
                      let bytes = Arithmetic.multiply(stride, rows),
                      let size = Arithmetic.add(bytes, c.paddingBytes ?? 0),
                      let offset = Arithmetic.alignUp(end, c.offsetAlignment ?? 1),
                      let planeEnd = Arithmetic.add(offset, size)
                else { throw overflow }
                planes.append(PlaneLayout(index: p, offset: offset, stride: stride, size: size))
                end = planeEnd
            }
            guard let size = Arithmetic.alignUp(end, c.sizeAlignment ?? 1),
                  let sum = Arithmetic.add(total, size)
            else { throw overflow }
            total = sum
            buffers.append(BufferLayout(planes: planes, size: size))
        }
        return ImageLayout(buffers: buffers, size: total)
    }
}
