import CHeapwiseLinux
import Glibc
import SystemPackage

// MARK: V4L2

/// The V4L2 ioctls (and the poll(2) that waits for a frame), in the funnel like every other
/// call: each is exactly one system call returning `Result<_, Errno>` with errno captured
/// right after it, and each can be made to fail on demand (ioctls as `.ioctl`).
///
/// The C side (`hw_v4l2.h`) converts between flat `hw_v4l2_*` structs and the uapi's
/// union-carrying ones, so nothing here touches a union.
extension Syscalls {
    static func v4l2QueryCap(_ fd: Int32) -> Result<hw_v4l2_caps, Errno> {
        var caps = hw_v4l2_caps()
        return v4l2 { hw_v4l2_querycap(fd, &caps) }.map { caps }
    }

    static func v4l2EnumFormat(_ fd: Int32, type: UInt32, index: UInt32) -> Result<hw_v4l2_fmtdesc, Errno> {
        var description = hw_v4l2_fmtdesc()
        return v4l2 { hw_v4l2_enum_fmt(fd, type, index, &description) }.map { description }
    }

    static func v4l2EnumFrameSizes(_ fd: Int32, pixelFormat: UInt32, index: UInt32) -> Result<hw_v4l2_frmsize, Errno> {
        var size = hw_v4l2_frmsize()
        return v4l2 { hw_v4l2_enum_framesizes(fd, pixelFormat, index, &size) }.map { size }
    }

    /// `request` is `hw_VIDIOC_G_FMT`, `hw_VIDIOC_S_FMT` or `hw_VIDIOC_TRY_FMT`.
    static func v4l2Format(_ fd: Int32, request: UInt, _ format: inout hw_v4l2_pix) -> Result<Void, Errno> {
        v4l2 { hw_v4l2_format(fd, request, &format) }
    }

    static func v4l2RequestBuffers(
        _ fd: Int32, type: UInt32, memory: UInt32, count: UInt32
    ) -> Result<(count: UInt32, capabilities: UInt32), Errno> {
        var granted = count
        var capabilities: UInt32 = 0
        return v4l2 { hw_v4l2_reqbufs(fd, type, memory, &granted, &capabilities) }.map { (granted, capabilities) }
    }

    /// `request` is `hw_VIDIOC_QUERYBUF`, `hw_VIDIOC_QBUF` or `hw_VIDIOC_DQBUF`.
    static func v4l2Buffer(_ fd: Int32, request: UInt, _ buffer: inout hw_v4l2_buf) -> Result<Void, Errno> {
        v4l2 { hw_v4l2_buffer(fd, request, &buffer) }
    }

    static func v4l2ExportBuffer(_ fd: Int32, type: UInt32, index: UInt32, plane: UInt32) -> Result<Int32, Errno> {
        var exported: Int32 = -1
        return v4l2 {
            hw_v4l2_expbuf(fd, type, index, plane, UInt32(O_RDWR | O_CLOEXEC), &exported)
        }.map { exported }
    }

    /// `request` is `hw_VIDIOC_STREAMON` or `hw_VIDIOC_STREAMOFF`.
    static func v4l2Stream(_ fd: Int32, request: UInt, type: UInt32) -> Result<Void, Errno> {
        v4l2 { hw_v4l2_stream(fd, request, type) }
    }

    /// Waits up to `timeoutMilliseconds` for `events` on `fd`; returns the events that
    /// occurred (empty on timeout).
    static func poll(_ fd: Int32, events: Int16, timeoutMilliseconds: Int32) -> Result<Int16, Errno> {
        if let failure = Mocking.failure(for: .poll) { return .failure(failure) }
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        let ready = Glibc.poll(&descriptor, 1, timeoutMilliseconds)
        if ready < 0 { return .failure(Errno(rawValue: errno)) }
        return .success(ready == 0 ? 0 : descriptor.revents)
    }

    /// The V4L2 wrappers return 0 or -1 with errno set, like ioctl(2).
    @inline(__always)
    private static func v4l2(_ body: () -> Int32) -> Result<Void, Errno> {
        if let failure = Mocking.failure(for: .ioctl) { return .failure(failure) }
        return body() == -1 ? .failure(Errno(rawValue: errno)) : .success(())
    }
}
