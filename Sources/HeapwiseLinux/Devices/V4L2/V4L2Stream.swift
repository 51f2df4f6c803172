import CHeapwiseLinux
import Glibc
import SystemPackage

/// A buffer the driver handed back (`VIDIOC_DQBUF`).
public struct V4L2Frame: Hashable, Sendable {
    /// Which buffer: an index into the stream's buffers.
    public var index: Int
    /// The driver's frame counter (`v4l2_buffer.sequence`); gaps mean dropped frames.
    public var sequence: UInt32
    public var timestampNanoseconds: UInt64
    public var flags: UInt32
    /// One entry per memory plane.
    public var planes: [V4L2FramePlane]

    /// `V4L2_BUF_FLAG_ERROR`: the data may be corrupt (the driver still returned the buffer).
    public var isError: Bool { flags & hw_V4L2_BUF_FLAG_ERROR != 0 }
}

/// One memory plane of a dequeued buffer.
public struct V4L2FramePlane: Hashable, Sendable {
    /// Bytes the driver wrote (capture) or read (output), counting from the plane's start.
    public var bytesUsed: Int
    /// Where the image starts inside the plane (vivid puts a header before `NV16M` luma to
    /// test this); the image is `bytesUsed - dataOffset` bytes from there.
    public var dataOffset: Int
}

/// One streaming session on a queue: its format, its buffers, and the
/// queue → stream → dequeue cycle. Releasing it (`release()` or deinit) stops streaming and
/// frees the driver's buffer slots (`VIDIOC_REQBUFS` 0), which drops the driver's references
/// to imported dma-bufs; the `DMABuf`s themselves stay with their owner.
///
/// Two ways to get buffers: import Heapwise's dma-bufs (`V4L2_MEMORY_DMABUF`, the zero-copy
/// path), or let the driver allocate (`V4L2_MEMORY_MMAP`) and export them with
/// `VIDIOC_EXPBUF` for other devices (`export(_:plane:)`).
public final class V4L2Stream {
    public let device: V4L2Device
    /// The format the driver set (`VIDIOC_S_FMT`), with its `bytesperline` and `sizeimage`.
    public let format: V4L2Format
    public let memory: V4L2Memory
    /// For DMABUF streams, the imported buffers: one `DMABuf` per memory plane, per index.
    public let buffers: [[DMABuf]]
    /// How many buffer slots the driver granted.
    public let count: Int
    public private(set) var isStreaming = false
    private var released = false
    public var type: V4L2BufferType { format.type }
    var fd: Int32 { device.fd }

    /// Sets `format` and prepares the queue to import `buffers` (one array of per-plane
    /// dma-bufs per buffer). Throws when the driver changes the format's size or pixel
    /// format (Heapwise's buffers were planned for the one asked), or grants fewer slots.
    /// The corresponding ioctls are `VIDIOC_S_FMT` and `VIDIOC_REQBUFS` (`V4L2_MEMORY_DMABUF`).
    public convenience init(device: V4L2Device, format: V4L2Format, importing buffers: [[DMABuf]]) throws(LinuxError) {
        try self.init(device: device, format: format, memory: .dmabuf, count: buffers.count, buffers: buffers)
    }

    /// Sets `format` and has the driver allocate `count` buffers (`V4L2_MEMORY_MMAP`),
    /// which `export(_:plane:)` turns into dma-bufs.
    public convenience init(device: V4L2Device, format: V4L2Format, allocating count: Int) throws(LinuxError) {
        try self.init(device: device, format: format, memory: .mmap, count: count, buffers: [])
    }

    private init(device: V4L2Device, format wanted: V4L2Format, memory: V4L2Memory, count: Int, buffers: [[DMABuf]]) throws(LinuxError) {
        let set = try device.setFormat(wanted)
        if set.pixelFormat != wanted.pixelFormat || set.width != wanted.width || set.height != wanted.height {
            throw LinuxError(
                code: .invalidArgument, node: device.path, operation: .vidiocSetFormat,
                message: "the driver set \(set.width)x\(set.height) '\(set.pixelFormat)' when asked for \(wanted.width)x\(wanted.height) '\(wanted.pixelFormat)'",
                remedy: "plan buffers for a size and format the driver keeps (VIDIOC_TRY_FMT tells which)")
        }
        self.device = device
        self.format = set
        self.memory = memory
        self.buffers = buffers
        let (granted, _) = try device.requestBuffers(count, type: set.type, memory: memory)
        self.count = granted
        if memory == .dmabuf && granted < count {
            _ = try? device.requestBuffers(0, type: set.type, memory: memory)
            released = true
            throw LinuxError(code: .limitExceeded, node: device.path, operation: .vidiocRequestBuffers,
                             message: "the driver granted \(granted) DMABUF slots on \(set.type), Heapwise has \(count) buffers")
        }
    }

    deinit { try? release() }

    /// Hands buffer `index` to the driver: capture fills it, output reads it. For DMABUF
    /// each plane passes the dma-buf's fd and size; the driver refuses a buffer smaller than
    /// its `sizeimage`, a plane count that does not match, or an fd that is not a dma-buf,
    /// and the error says which. The corresponding ioctl is `VIDIOC_QBUF`.
    public func queue(_ index: Int) throws(LinuxError) {
        var buf = hw_v4l2_buf()
        buf.type = type.rawValue
        buf.memory = memory.rawValue
        buf.index = UInt32(clamping: index)
        buf.field = format.field
        if memory == .dmabuf {
            guard buffers.indices.contains(index) else {
                throw LinuxError(code: .invalidArgument, node: device.path, operation: .vidiocQueueBuffer,
                                 message: "no buffer \(index): the stream imports \(buffers.count)")
            }
            let planes = buffers[index]
            buf.num_planes = UInt32(planes.count)
            withUnsafeMutableBytes(of: &buf.planes) { raw in
                let slots = raw.bindMemory(to: hw_v4l2_plane.self)
                for (p, buffer) in planes.prefix(slots.count).enumerated() {
                    slots[p].fd = buffer.checkedFD()
                    slots[p].length = UInt32(clamping: buffer.size)
                    // Output queues read bytesused; zero is deprecated (vb2 then takes length).
                    slots[p].bytesused = type.isCapture ? 0 : UInt32(clamping: format.planes[safe: p]?.sizeImage ?? buffer.size)
                }
            }
        } else {
            buf.num_planes = UInt32(format.planes.count)
        }
        if case let .failure(errno) = Syscalls.retryingInterrupts(true, { Syscalls.v4l2Buffer(fd, .vidiocQueueBuffer, &buf) }) {
            throw queueError(errno, index: index)
        }
    }

    /// Queues every buffer, in index order.
    public func queueAll() throws(LinuxError) {
        for index in 0..<(memory == .dmabuf ? buffers.count : count) { try queue(index) }
    }

    /// The corresponding ioctl is `VIDIOC_STREAMON`. Capture drivers may need a minimum
    /// number of queued buffers first (`min_buffers_needed`).
    public func start() throws(LinuxError) {
        if case let .failure(errno) = Syscalls.v4l2Stream(fd, on: true, type: type.rawValue) {
            var error = device.error(errno, .vidiocStreamOn, "starting \(type) on \(device.path) failed")
            if errno == .brokenPipe {
                error.remedy = "the media pipeline feeding this node is not configured (media-ctl links and formats)"
            }
            throw error
        }
        isStreaming = true
    }

    /// Waits up to `timeoutMilliseconds` for a finished buffer and takes it back. The
    /// buffer belongs to the caller until it is queued again. The corresponding calls are
    /// `poll` and `VIDIOC_DQBUF`.
    public func dequeue(timeoutMilliseconds: Int = 5000) throws(LinuxError) -> V4L2Frame {
        let events = Int16(type.isCapture ? POLLIN | POLLRDNORM : POLLOUT | POLLWRNORM)
        let waited = Syscalls.retryingInterrupts(true) {
            Syscalls.poll(fd, events: events, timeoutMilliseconds: Int32(clamping: timeoutMilliseconds))
        }
        switch waited {
        case let .success(revents) where revents == 0:
            throw LinuxError(code: .failed, errno: .timedOut, node: device.path, operation: .poll,
                             message: "no \(type) buffer finished within \(timeoutMilliseconds) ms",
                             remedy: isStreaming ? "the device is not producing frames (is its source connected?)" : "call start() (VIDIOC_STREAMON) first")
        case let .success(revents) where revents & Int16(POLLERR) != 0:
            throw LinuxError(code: .failed, node: device.path, operation: .poll,
                             message: "\(type) reports POLLERR: the queue is not streaming or has no buffer queued")
        case .success:
            break
        case let .failure(errno):
            throw LinuxError.from(errno, node: device.path, operation: .poll, message: "waiting for a \(type) buffer failed")
        }
        var buf = hw_v4l2_buf()
        buf.type = type.rawValue
        buf.memory = memory.rawValue
        buf.num_planes = type.isMultiPlanar ? UInt32(HW_V4L2_MAX_PLANES) : 1
        if case let .failure(errno) = Syscalls.retryingInterrupts(true, { Syscalls.v4l2Buffer(fd, .vidiocDequeueBuffer, &buf) }) {
            throw device.error(errno, .vidiocDequeueBuffer, "taking back a \(type) buffer from \(device.path) failed")
        }
        let planes = withUnsafeBytes(of: buf.planes) { raw in
            raw.bindMemory(to: hw_v4l2_plane.self).prefix(Int(buf.num_planes)).map {
                V4L2FramePlane(bytesUsed: Int($0.bytesused), dataOffset: Int($0.data_offset))
            }
        }
        return V4L2Frame(index: Int(buf.index), sequence: buf.sequence, timestampNanoseconds: buf.timestamp_ns,
                         flags: buf.flags, planes: planes)
    }

    /// Stops streaming: every queued buffer comes back unfilled and the driver forgets the
    /// queue order. The corresponding ioctl is `VIDIOC_STREAMOFF`.
    public func stop() throws(LinuxError) {
        guard isStreaming else { return }
        isStreaming = false
        if case let .failure(errno) = Syscalls.v4l2Stream(fd, on: false, type: type.rawValue) {
            throw device.error(errno, .vidiocStreamOff, "stopping \(type) on \(device.path) failed")
        }
    }

    /// Stops streaming and frees the queue's buffer slots, so the driver drops its
    /// references to imported dma-bufs (and frees MMAP buffers nobody exported or mapped).
    /// Later calls do nothing. The corresponding ioctls are `VIDIOC_STREAMOFF` and
    /// `VIDIOC_REQBUFS` with count 0.
    public func release() throws(LinuxError) {
        guard !released else { return }
        released = true
        let stopped = Result { () throws(LinuxError) in try stop() }
        _ = try device.requestBuffers(0, type: type, memory: memory)
        try stopped.get()
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
