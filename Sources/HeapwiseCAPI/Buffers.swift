// SPDX-License-Identifier: MIT
import CHeapwiseAPI
import Heapwise
import HeapwiseCore
import HeapwiseLinux

/// `heapwise_buffer`: one dma-buf of an allocation or a pool image, owned by it, with the CPU
/// access C began and whether C took the descriptor.
final class BufferHandle: CHandle {
    let dmaBuf: DMABuf
    let size: Int
    let inode: UInt64
    let reused: Bool
    /// A pool image's buffer goes back to the pool: its descriptor cannot be taken.
    let pooled: Bool
    private(set) var mapping: CPUMapping?

    init(_ dmaBuf: DMABuf, size: Int, inode: UInt64, reused: Bool, pooled: Bool) {
        self.dmaBuf = dmaBuf
        self.size = size
        self.inode = inode
        self.reused = reused
        self.pooled = pooled
    }

    /// -1 once C took it (`DMABuf.releaseDescriptor()` leaves the buffer without one).
    var descriptor: Int32 { dmaBuf.withUnsafeDescriptor { $0 } }
    var taken: Bool { descriptor < 0 }

    func take(function: String = #function) throws(HeapwiseFailure) -> Int32 {
        guard !pooled else {
            throw .argument(function, "a pool image's buffer goes back to its pool: dup() its descriptor to keep one")
        }
        guard !taken else { throw .argument(function, "the descriptor was taken already") }
        guard mapping == nil else { throw .argument(function, "CPU access is still begun: end it first") }
        return dmaBuf.releaseDescriptor()
    }

    func beginCPUAccess(_ access: CPUAccess, function: String = #function) throws(HeapwiseFailure) -> CPUMapping {
        guard !taken else { throw .argument(function, "the buffer's descriptor was taken: map it yourself") }
        guard mapping == nil else { throw .argument(function, "CPU access to this buffer is already begun: end it first") }
        do { mapping = try CPUMapping(dmaBuf, access) } catch { throw .kernel(error) }
        return mapping.unsafelyUnwrapped
    }

    func endCPUAccess(function: String = #function) throws(HeapwiseFailure) {
        guard let ending = mapping else { throw .argument(function, "no CPU access to this buffer was begun") }
        mapping = nil
        do { try ending.end() } catch { throw .kernel(error) }
    }
}

/// `heapwise_allocation`: an `Allocation` with its buffers as handles. Its choice and strings
/// are made on first use (an allocation is used by one thread at a time, heapwise.h), so
/// allocating through C costs little more than allocating in Swift (`heapwise bench c-api`).
final class AllocationHandle: CHandle {
    let allocation: Allocation
    private(set) lazy var choice = ChoiceHandle(allocation.plan)
    let images: [[BufferHandle]]
    private(set) lazy var strings = CStrings()

    init(_ allocation: Allocation) {
        self.allocation = allocation
        images = allocation.images.map { row in
            row.map { BufferHandle($0.dmaBuf, size: $0.size, inode: $0.inode, reused: $0.reused, pooled: false) }
        }
    }
}

@c @implementation
public func heapwise_context_allocate(_ context: OpaquePointer?, _ plan: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                      _ allocation: UnsafeMutablePointer<OpaquePointer?>?,
                                      _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: ContextHandle = try Argument.handle(context, "context")
        let planned: PlanHandle = try Argument.handle(plan, "plan")
        let name = try Argument.optionalText(name, "name") ?? "heapwise"
        let out = try Argument.output(allocation, "allocation")
        out.pointee = AllocationHandle(try handle.context.allocate(planned.plan(for: handle), name: name)).retainedPointer
    }
}

@c @implementation
public func heapwise_allocation_free(_ allocation: OpaquePointer?) {
    AllocationHandle.release(allocation)
}

@c @implementation
public func heapwise_allocation_get_route(_ allocation: OpaquePointer?) -> heapwise_allocation_route {
    switch AllocationHandle.from(allocation)?.allocation.route {
    case .broker: HEAPWISE_ALLOCATION_BROKER
    case .cpuOnly: HEAPWISE_ALLOCATION_CPU_ONLY
    case .inProcess, nil: HEAPWISE_ALLOCATION_IN_PROCESS
    }
}

@c @implementation
public func heapwise_allocation_heap(_ allocation: OpaquePointer?) -> UnsafePointer<CChar>? {
    guard let handle = AllocationHandle.from(allocation) else { return nil }
    return handle.strings.pointer(.heap) { handle.allocation.heap }
}

@c @implementation
public func heapwise_allocation_choice(_ allocation: OpaquePointer?) -> OpaquePointer? {
    AllocationHandle.from(allocation)?.choice.unretainedPointer
}

@c @implementation
public func heapwise_allocation_failed_heap_count(_ allocation: OpaquePointer?) -> Int {
    AllocationHandle.from(allocation)?.allocation.failedAttempts.count ?? 0
}

@c @implementation
public func heapwise_allocation_failed_heap(_ allocation: OpaquePointer?, _ index: Int) -> UnsafePointer<CChar>? {
    guard let handle = AllocationHandle.from(allocation), let attempt = handle.allocation.failedAttempts[checked: index] else { return nil }
    return handle.strings.pointer(.failedHeap(index)) { attempt.description }
}

@c @implementation
public func heapwise_allocation_image_count(_ allocation: OpaquePointer?) -> Int {
    AllocationHandle.from(allocation)?.images.count ?? 0
}

@c @implementation
public func heapwise_allocation_buffer(_ allocation: OpaquePointer?, _ image: Int, _ buffer: Int) -> OpaquePointer? {
    AllocationHandle.from(allocation)?.images[checked: image]?[checked: buffer]?.unretainedPointer
}

// MARK: Buffers

@c @implementation
public func heapwise_buffer_fd(_ buffer: OpaquePointer?) -> Int32 {
    BufferHandle.from(buffer)?.descriptor ?? -1
}

@c @implementation
public func heapwise_buffer_take_fd(_ buffer: OpaquePointer?, _ fd: UnsafeMutablePointer<Int32>?,
                                    _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: BufferHandle = try Argument.handle(buffer, "buffer")
        let out = try Argument.output(fd, "fd")
        out.pointee = try handle.take()
    }
}

@c @implementation
public func heapwise_buffer_size(_ buffer: OpaquePointer?) -> UInt64 {
    BufferHandle.from(buffer).map { UInt64($0.size) } ?? 0
}

@c @implementation
public func heapwise_buffer_inode(_ buffer: OpaquePointer?) -> UInt64 {
    BufferHandle.from(buffer)?.inode ?? 0
}

@c @implementation
public func heapwise_buffer_reused(_ buffer: OpaquePointer?) -> Bool {
    BufferHandle.from(buffer)?.reused ?? false
}

@c @implementation
public func heapwise_buffer_begin_cpu_access(_ buffer: OpaquePointer?, _ access: heapwise_cpu_access, _ data: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                                             _ size: UnsafeMutablePointer<Int>?, _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: BufferHandle = try Argument.handle(buffer, "buffer")
        let dataOut = try Argument.output(data, "data")
        let sizeOut = try Argument.output(size, "size")
        let cpu: CPUAccess
        switch access {
        case HEAPWISE_CPU_READ: cpu = .read
        case HEAPWISE_CPU_WRITE: cpu = .write
        case HEAPWISE_CPU_READ_WRITE: cpu = .readWrite
        default: throw .argument(#function, "unknown access \(access.rawValue): use HEAPWISE_CPU_READ, _WRITE or _READ_WRITE")
        }
        let mapping = try handle.beginCPUAccess(cpu)
        dataOut.pointee = mapping.bytes.baseAddress
        sizeOut.pointee = mapping.bytes.count
    }
}

@c @implementation
public func heapwise_buffer_end_cpu_access(_ buffer: OpaquePointer?, _ error: UnsafeMutablePointer<OpaquePointer?>?) -> heapwise_status {
    entry(error) { () throws(HeapwiseFailure) in
        let handle: BufferHandle = try Argument.handle(buffer, "buffer")
        try handle.endCPUAccess()
    }
}
