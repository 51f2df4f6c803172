/// Where a dma-buf came from, for messages: `/dev/dma_heap/system`, `/dev/udmabuf`, `memfd`,
/// `/dev/video0 … buffer 0 plane 0`.
///
/// Bounded inline text instead of a `String` (the kernel bounds dma-buf names the same way,
/// at `DMA_BUF_NAME_LEN` bytes): a `UniqueDMABuf` then holds no reference, so handing one out
/// needs no retain and release, which `heapwise bench alloc` showed on every allocation.
/// Longer text is cut at a Unicode scalar boundary (a combining mark may lose its base) and
/// ends in "…".
public struct DMABufOrigin: Hashable, Sendable, CustomStringConvertible {
    /// The most UTF-8 bytes kept.
    public static let capacity = 63

    /// 64 bytes: the text, then its length in the last byte.
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    public init(_ text: String) {
        var utf8 = Array(text.utf8)
        if utf8.count > Self.capacity {
            let ellipsis: [UInt8] = [0xE2, 0x80, 0xA6]
            var end = Self.capacity - ellipsis.count
            while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character
            utf8 = Array(utf8[..<end]) + ellipsis
        }
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyBytes(from: utf8)
            raw[Self.capacity] = UInt8(utf8.count)
        }
    }

    public var description: String {
        withUnsafeBytes(of: storage) { raw in
            String(decoding: UnsafeRawBufferPointer(rebasing: raw[..<Int(raw[Self.capacity])]), as: UTF8.self)
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        withUnsafeBytes(of: a.storage) { x in withUnsafeBytes(of: b.storage) { y in x.elementsEqual(y) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: storage) { hasher.combine(bytes: $0) }
    }
}
