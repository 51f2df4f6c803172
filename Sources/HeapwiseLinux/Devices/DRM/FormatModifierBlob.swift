import CHeapwiseLinux
import HeapwiseCore

/// A format a plane scans out, with one modifier it accepts it with.
public struct FormatModifierPair: Hashable, Sendable, CustomStringConvertible {
    public var format: FourCC
    public var modifier: Modifier

    public init(format: FourCC, modifier: Modifier) {
        self.format = format
        self.modifier = modifier
    }

    public var description: String { "\(FormatInfo.lookup(format)?.name ?? format.description)/\(modifier.name)" }
}

/// Why an `IN_FORMATS` blob could not be read.
public struct FormatBlobError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "malformed IN_FORMATS blob: \(reason)" }
}

/// Parsers for the format blobs of KMS properties. Pure functions over bytes, so they are
/// tested on the host with blobs built by hand.
public enum FormatBlob {
    /// Reads a plane's `IN_FORMATS` blob: a `struct drm_format_modifier_blob` header, then
    /// `count_formats` fourccs at `formats_offset`, then `count_modifiers`
    /// `struct drm_format_modifier` at `modifiers_offset` (`include/uapi/drm/drm_mode.h`;
    /// built by `create_in_format_blob` in `drivers/gpu/drm/drm_plane.c`).
    ///
    /// Each modifier record has a 64-bit mask over a window of the format list: bit `i` means
    /// format `offset + i` is supported with that modifier, which is how more than 64 formats
    /// would be described. Pairs come out in the plane's format order, and for each format in
    /// the blob's modifier order, as libdrm's `drmModeFormatModifierBlobIterNext` yields them.
    ///
    /// Every count and offset is checked against the blob's length: the bytes come from a
    /// driver, and a wrong one must become an error, not a crash.
    public static func parseInFormats(_ bytes: [UInt8]) throws(FormatBlobError) -> [FormatModifierPair] {
        let headerSize = Int(hw_DRM_FORMAT_MODIFIER_BLOB_SIZE)
        let recordSize = Int(hw_DRM_FORMAT_MODIFIER_SIZE)
        guard bytes.count >= headerSize else {
            throw FormatBlobError(reason: "\(bytes.count) bytes, shorter than its \(headerSize)-byte header")
        }
        let version = load32(bytes, 0)
        guard version == hw_FORMAT_BLOB_CURRENT else {
            throw FormatBlobError(reason: "version \(version); Heapwise reads version \(hw_FORMAT_BLOB_CURRENT)")
        }
        let formatCount = Int(load32(bytes, 8))
        let formatsOffset = Int(load32(bytes, 12))
        let modifierCount = Int(load32(bytes, 16))
        let modifiersOffset = Int(load32(bytes, 20))
        guard formatsOffset >= headerSize, formatsOffset + formatCount * 4 <= bytes.count else {
            throw FormatBlobError(reason: "\(formatCount) formats at offset \(formatsOffset) overrun its \(bytes.count) bytes")
        }
        guard modifiersOffset >= headerSize, modifiersOffset + modifierCount * recordSize <= bytes.count else {
            throw FormatBlobError(reason: "\(modifierCount) modifiers at offset \(modifiersOffset) overrun its \(bytes.count) bytes")
        }
        let formats = (0..<formatCount).map { FourCC(rawValue: load32(bytes, formatsOffset + 4 * $0)) }
        var modifiersByFormat = Array(repeating: [Modifier](), count: formatCount)
        for record in 0..<modifierCount {
            let base = modifiersOffset + record * recordSize
            let mask = load64(bytes, base)
            let window = Int(load32(bytes, base + 8))
            let modifier = Modifier(rawValue: load64(bytes, base + 16))
            for bit in 0..<64 where mask & (1 << UInt64(bit)) != 0 {
                let index = window + bit
                guard index < formatCount else {
                    throw FormatBlobError(reason: "modifier \(modifier.name) names format \(index) of \(formatCount)")
                }
                modifiersByFormat[index].append(modifier)
            }
        }
        return formats.indices.flatMap { index in
            modifiersByFormat[index].map { FormatModifierPair(format: formats[index], modifier: $0) }
        }
    }

    /// Reads a writeback connector's `WRITEBACK_PIXEL_FORMATS` blob: a plain array of u32
    /// fourccs (`drivers/gpu/drm/drm_writeback.c`). Trailing bytes short of a whole code are
    /// a driver bug and are ignored.
    public static func parseFourCCs(_ bytes: [UInt8]) -> [FourCC] {
        (0..<(bytes.count / 4)).map { FourCC(rawValue: load32(bytes, 4 * $0)) }
    }

    /// The pairs a plane accepts when it has no `IN_FORMATS` blob, from its plain format list
    /// (`DRM_IOCTL_MODE_GETPLANE`): each format with `LINEAR`.
    ///
    /// The kernel documents the property's absence as "the plane doesn't support buffers with
    /// modifiers" (`drm_plane.c`, IN_FORMATS); such a driver (5.10's vkms, many vendor display
    /// drivers) takes framebuffers without `DRM_MODE_FB_MODIFIERS`, where `framebuffer_check`
    /// demands `modifier[0] == 0` and `drm_helper_mode_fill_fb_struct` records it: the
    /// framebuffer's modifier is `DRM_FORMAT_MOD_LINEAR`. A driver could derive another layout
    /// only from its own buffer's tiling metadata, which a heap's dma-buf does not have. So
    /// the plane is offered with `LINEAR` and `addFramebuffer` leaves the flag off for a
    /// driver without `DRM_CAP_ADDFB2_MODIFIERS`. (A driver with the capability but no blob is
    /// the pre-5.1 inconsistency the same comment warns about; `LINEAR` is the layout the
    /// core assumes there too, `default_modifiers` in `__drm_universal_plane_init`.)
    public static func implicitPairs(formats: [FourCC]) -> [FormatModifierPair] {
        formats.map { FormatModifierPair(format: $0, modifier: .linear) }
    }

    private static func load32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    private static func load64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
}
