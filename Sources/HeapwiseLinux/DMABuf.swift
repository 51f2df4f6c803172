import CHeapwiseLinux
import Glibc
import SystemPackage

/// A shared dma-buf: a reference-counted owner of the descriptor, closed exactly once, when
/// the last reference goes away or `close()` is called. This is the handle to give several
/// users (a plan, a V4L2 stream that imports it, a DRM framebuffer); a buffer with a single
/// owner is a `UniqueDMABuf`, which needs no object of its own.
///
/// Allocation and mapping are separate: a `DMABuf` is only the buffer; CPU access is scoped
/// (`withCPUAccess`) and device import happens elsewhere.
public final class DMABuf: DMABufHandle {
    /// The single owner this object shares. Exclusivity is not checked at run time: only
    /// `close()` writes it, and a `DMABuf` is not shared across threads (it is not `Sendable`).
    @exclusivity(unchecked) private var buffer: UniqueDMABuf

    /// -1 once closed.
    public var fd: Int32 { buffer.fd }
    public var size: Int { buffer.size }
    public var origin: String { buffer.origin }
    public var isDMABuf: Bool { buffer.isDMABuf }

    /// Shares a uniquely owned buffer: it moves into the new object, descriptor and all.
    public init(_ buffer: consuming UniqueDMABuf) {
        self.buffer = buffer
    }

    convenience init(adopting fd: Int32, size: Int, origin: String, isDMABuf: Bool = true) {
        self.init(UniqueDMABuf(adopting: fd, size: size, origin: DMABufOrigin(origin), isDMABuf: isDMABuf))
    }

    /// Closes the descriptor now, for every holder of this object; later calls do nothing.
    /// Otherwise it closes when the last reference goes away. Using the buffer afterwards,
    /// including from inside its own `withCPUAccess` body, is a programmer error and traps
    /// (an ioctl on a closed descriptor could reach whatever file reused its number).
    public func close() {
        buffer.closeEarly()
    }
}

/// An owned sync_file descriptor (a fence), closed with the handle.
public final class SyncFile {
    public private(set) var fd: Int32
    init(adopting fd: Int32) { self.fd = fd }
    deinit { if fd >= 0 { _ = Syscalls.close(fd) } }
}

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
