// SPDX-License-Identifier: MIT
import CHeapwiseAPI
import Heapwise
import HeapwiseCore
import HeapwiseLinux

/// `heapwise_pool`: an `ImagePool`.
final class PoolHandle: CHandle {
    let pool: ImagePool
    let strings = CStrings()
    init(_ pool: ImagePool) { self.pool = pool }
}

/// `heapwise_image`: one image lent by a pool, with its buffers as handles. It keeps its
/// pool alive, so an image released after `heapwise_pool_free` still goes back (and is freed
/// with the pool's last image).
final class ImageHandle: CHandle {
    let image: ImagePool.Image
    let pool: PoolHandle
    let buffers: [BufferHandle]

    init(_ image: ImagePool.Image, pool: PoolHandle) {
        self.image = image
        self.pool = pool
        buffers = image.buffers.map { BufferHandle($0.buffer, size: $0.size, inode: $0.inode, reused: $0.reused, pooled: true) }
    }

    /// Ends CPU access C left begun (the pool zeroes through its own mapping) and gives the
    /// image back.
    func release(keepContents: Bool) {
        for buffer in buffers where buffer.mapping != nil { try? buffer.endCPUAccess() }
        image.release(keepContents: keepContents)
    }
}

@c @implementation
public func heapwise_context_pool_new(_ context: OpaquePointer?, _ plan: OpaquePointer?, _ idleImages: UInt32,
                                      _ pool: UnsafeMutablePointer<OpaquePointer?>?,
                                      _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: ContextHandle = try Argument.handle(context, "context")
        let planned: PlanHandle = try Argument.handle(plan, "plan")
        let out = try Argument.output(pool, "pool")
        let made = try handle.context.pool(for: planned.plan(for: handle), idleImages: idleImages == 0 ? nil : Int(idleImages))
        out.pointee = PoolHandle(made).retainedPointer
    }
}

@c @implementation
public func heapwise_pool_free(_ pool: OpaquePointer?) {
    PoolHandle.from(pool)?.pool.trim()
    PoolHandle.release(pool)
}

@c @implementation
public func heapwise_pool_heap(_ pool: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = PoolHandle.from(pool) else { return nil }
    let heap = handle.pool.heap
    return handle.strings.pointer(.current(heap)) { heap }
}

@c @implementation
public func heapwise_pool_get_statistics(_ pool: OpaquePointer?, _ statistics: UnsafeMutablePointer<heapwise_pool_statistics>?,
                                         _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: PoolHandle = try Argument.handle(pool, "pool")
        let out = try Argument.output(statistics, "statistics")
        let counted = handle.pool.statistics()
        out.pointee = heapwise_pool_statistics(
            hits: UInt64(counted.rows.reduce(0) { $0 + $1.hits }),
            misses: UInt64(counted.rows.reduce(0) { $0 + $1.misses }),
            bytes_zeroed: UInt64(counted.rows.reduce(0) { $0 + $1.bytesZeroed }),
            idle_buffers: UInt64(counted.idleBuffers), idle_bytes: UInt64(counted.idleBytes),
            in_use_buffers: UInt64(counted.inUseBuffers), in_use_bytes: UInt64(counted.inUseBytes))
    }
}

@c @implementation
public func heapwise_pool_acquire(_ pool: OpaquePointer?, _ owner: UInt64, _ name: UnsafePointer<CChar>?,
                                  _ image: UnsafeMutablePointer<OpaquePointer?>?, _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: PoolHandle = try Argument.handle(pool, "pool")
        let name = try Argument.optionalText(name, "name") ?? "heapwise"
        let out = try Argument.output(image, "image")
        out.pointee = ImageHandle(try handle.pool.acquire(owner: PoolOwner(owner), name: name), pool: handle).retainedPointer
    }
}

@c @implementation
public func heapwise_image_release(_ image: OpaquePointer?, _ keepContents: Bool) {
    guard let handle = ImageHandle.from(image) else { return }
    handle.release(keepContents: keepContents)
    ImageHandle.release(image)
}

@c @implementation
public func heapwise_image_owner(_ image: OpaquePointer?) -> UInt64 {
    ImageHandle.from(image)?.image.owner.rawValue ?? 0
}

@c @implementation
public func heapwise_image_buffer_count(_ image: OpaquePointer?) -> Int {
    ImageHandle.from(image)?.buffers.count ?? 0
}

@c @implementation
public func heapwise_image_buffer(_ image: OpaquePointer?, _ buffer: Int) -> OpaquePointer? {
    ImageHandle.from(image)?.buffers[checked: buffer]?.unretainedPointer
}
