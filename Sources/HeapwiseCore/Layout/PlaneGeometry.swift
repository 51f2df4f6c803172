/// One plane's size in pixels and its minimum pitch, as the kernel computes them
/// (`drm_format_info_plane_width`, `drm_format_info_plane_height` and
/// `drm_format_info_min_pitch` in `drm_fourcc.c`). `LayoutCalculator` builds layouts from
/// these, and HeapwiseLinux checks `ADDFB2` requests with them, so both sides agree with the
/// kernel and with each other.
extension FormatInfo {
    /// Pixels across plane `plane` of an image `width` pixels wide (chroma planes are subsampled).
    public func planeWidth(_ plane: Int, width: Int) -> Int {
        plane == 0 ? width : Arithmetic.divideRoundingUp(width, hsub)
    }

    /// Rows of plane `plane` of an image `height` rows tall.
    public func planeHeight(_ plane: Int, height: Int) -> Int {
        plane == 0 ? height : Arithmetic.divideRoundingUp(height, vsub)
    }

    /// The fewest bytes a row of plane `plane` takes at `width` pixels: `ceil(w × cpp / (block
    /// width × block height))`. Nil when it overflows, or when the format has no linear
    /// layout (a zero block size, as for AFBC-only formats).
    public func minimumPitch(_ plane: Int, width: Int) -> Int? {
        let block = blockWidth[plane] * blockHeight[plane]
        guard block > 0, let rowBytes = Arithmetic.multiply(planeWidth(plane, width: width), cpp[plane]) else { return nil }
        return Arithmetic.divideRoundingUp(rowBytes, block)
    }

    /// The bytes the kernel requires a buffer to hold for plane `plane` at `offset` with
    /// `pitch`: `(rows - 1) × pitch + min_pitch + offset` (`drm_gem_fb_init_with_funcs`).
    /// Nil on overflow or for a format with no linear layout.
    public func minimumPlaneBytes(_ plane: Int, width: Int, height: Int, pitch: Int, offset: Int) -> Int? {
        guard let minPitch = minimumPitch(plane, width: width),
              let rows = Arithmetic.multiply(planeHeight(plane, height: height) - 1, pitch),
              let withRow = Arithmetic.add(rows, minPitch)
        else { return nil }
        return Arithmetic.add(withRow, offset)
    }
}
