/// The fields of a dma-buf's `/proc/<pid>/fdinfo/<fd>` (`dma_buf_show_fdinfo` in
/// `drivers/dma-buf/dma-buf.c`).
public struct DMABufInfo: Hashable, Sendable {
    public var size: Int?
    /// How many references the kernel holds (`file_count`).
    public var count: Int?
    /// The exporter: `system`, `reserved`, `udmabuf`, `drm`, …
    public var exporter: String?
    /// The name set with `DMA_BUF_SET_NAME`, if any.
    public var name: String?

    init(fdinfo text: String) {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].drop { $0 == " " || $0 == "\t" }
            switch parts[0] {
            case "size": size = Int(value)
            case "count": count = Int(value)
            case "exp_name": exporter = String(value)
            case "name": name = String(value)
            default: break
            }
        }
    }
}
