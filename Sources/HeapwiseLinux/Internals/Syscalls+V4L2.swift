import CHeapwiseLinux
import Glibc
import SystemPackage

// MARK: V4L2

/// The V4L2 ioctls, in the funnel like every other call: each is exactly one system call
/// returning `Result<_, Errno>`, named by its `KernelCall` for errors and failure injection.
///
/// The C side (`hw_v4l2.h`) converts between flat `hw_v4l2_*` structs and the uapi's
/// union-carrying ones, so nothing here touches a union.
extension Syscalls {
    static func v4l2QueryCap(_ fd: Int32) -> Result<hw_v4l2_caps, Errno> {
        var caps = hw_v4l2_caps()
        return call(.vidiocQueryCap, [Int(fd)]) { hw_v4l2_querycap(fd, &caps) }.map { _ in caps }
    }

    static func v4l2EnumFormat(_ fd: Int32, type: UInt32, index: UInt32) -> Result<hw_v4l2_fmtdesc, Errno> {
        var description = hw_v4l2_fmtdesc()
        return call(.vidiocEnumFormat, [Int(fd)]) { hw_v4l2_enum_fmt(fd, type, index, &description) }.map { _ in description }
    }

    static func v4l2EnumFrameSizes(_ fd: Int32, pixelFormat: UInt32, index: UInt32) -> Result<hw_v4l2_frmsize, Errno> {
        var size = hw_v4l2_frmsize()
        return call(.vidiocEnumFrameSizes, [Int(fd)]) { hw_v4l2_enum_framesizes(fd, pixelFormat, index, &size) }.map { _ in size }
    }

    /// `call` is `.vidiocGetFormat`, `.vidiocSetFormat` or `.vidiocTryFormat`.
    static func v4l2Format(_ fd: Int32, _ call: KernelCall, _ format: inout hw_v4l2_pix) -> Result<Void, Errno> {
        let request = v4l2Request(call)
        return perform(call, [Int(fd)]) { hw_v4l2_format(fd, request, &format) }
    }

    static func v4l2RequestBuffers(
        _ fd: Int32, type: UInt32, memory: UInt32, count: UInt32
    ) -> Result<(count: UInt32, capabilities: UInt32), Errno> {
        var granted = count
        var capabilities: UInt32 = 0
        return call(.vidiocRequestBuffers, [Int(fd)]) { hw_v4l2_reqbufs(fd, type, memory, &granted, &capabilities) }.map { _ in (granted, capabilities) }
    }

    /// `call` is `.vidiocQueryBuffer`, `.vidiocQueueBuffer` or `.vidiocDequeueBuffer`.
    static func v4l2Buffer(_ fd: Int32, _ call: KernelCall, _ buffer: inout hw_v4l2_buf) -> Result<Void, Errno> {
        let request = v4l2Request(call)
        return perform(call, [Int(fd), Int(buffer.index)]) { hw_v4l2_buffer(fd, request, &buffer) }
    }

    static func v4l2ExportBuffer(_ fd: Int32, type: UInt32, index: UInt32, plane: UInt32) -> Result<Int32, Errno> {
        var exported: Int32 = -1
        return call(.vidiocExportBuffer, [Int(fd)]) {
            hw_v4l2_expbuf(fd, type, index, plane, UInt32(O_RDWR | O_CLOEXEC), &exported)
        }.map { _ in exported }
    }

    /// `on` chooses `VIDIOC_STREAMON` or `VIDIOC_STREAMOFF`.
    static func v4l2Stream(_ fd: Int32, on: Bool, type: UInt32) -> Result<Void, Errno> {
        let call: KernelCall = on ? .vidiocStreamOn : .vidiocStreamOff
        let request = v4l2Request(call)
        return perform(call, [Int(fd), Int(type)]) { hw_v4l2_stream(fd, request, type) }
    }

    /// The request number of a V4L2 ioctl that shares its C wrapper with others.
    private static func v4l2Request(_ call: KernelCall) -> UInt {
        switch call {
        case .vidiocGetFormat: hw_VIDIOC_G_FMT
        case .vidiocSetFormat: hw_VIDIOC_S_FMT
        case .vidiocTryFormat: hw_VIDIOC_TRY_FMT
        case .vidiocQueryBuffer: hw_VIDIOC_QUERYBUF
        case .vidiocQueueBuffer: hw_VIDIOC_QBUF
        case .vidiocDequeueBuffer: hw_VIDIOC_DQBUF
        case .vidiocStreamOn: hw_VIDIOC_STREAMON
        case .vidiocStreamOff: hw_VIDIOC_STREAMOFF
        default: preconditionFailure("\(call) has a C wrapper of its own")
        }
    }
}
