import CHeapwiseLinux

/// The dma-buf names a plan's buffers get (`DMA_BUF_SET_NAME`): `BASE-IMAGE.BUFFER`, so
/// `/proc/<pid>/fdinfo` and debugfs `dma_buf/bufinfo` tell every buffer apart.
///
/// The kernel keeps at most `DMA_BUF_NAME_LEN - 1` bytes. A name that does not fit is
/// shortened in its base, at a character boundary, never in its suffix: cutting the whole
/// string would drop the numbers (every buffer would get the same name) or split a UTF-8
/// character.
public enum BufferName {
    public static let limit = Int(hw_DMA_BUF_NAME_LEN) - 1

    public static func make(_ base: String, image: Int, buffer: Int, limit: Int = BufferName.limit) -> String {
        let suffix = "-\(image).\(buffer)"
        var room = max(0, limit - suffix.utf8.count)
        var kept = Substring()
        for character in base {
            let bytes = character.utf8.count
            guard bytes <= room else { break }
            room -= bytes
            kept.append(character)
        }
        return kept + suffix
    }
}
