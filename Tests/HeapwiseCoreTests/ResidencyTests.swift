import Foundation
@testable import HeapwiseCore
import Testing

/// Mapping kept apart from allocation: a submission's buffers are bound into a device's
/// address space all together or not at all, reused while resident, evicted least recently
/// used when no in-flight work needs them; clients are served in arrival order; and the
/// simulator shows batched binding always finishes where one-at-a-time binding deadlocks.
@Suite struct ResidencyTests {
    static let mib: UInt64 = 1 << 20

    static func space(mib: UInt64) throws -> DeviceAddressSpace {
        try DeviceAddressSpace(ranges: [IOVARange(start: 0x10_0000, length: mib << 20)])
    }

    static func buffer(_ id: UInt64, kib: UInt64, alignment: UInt64 = 0) -> MappableBuffer {
        MappableBuffer(id: id, bytes: kib << 10, alignment: alignment)
    }

    @Test func aSubmissionThatDoesNotFitLeavesNothingMapped() throws {
        var space = ResidencySpace(try Self.space(mib: 1))
        let first = Submission(id: 1, client: 0, buffers: [Self.buffer(1, kib: 600)])
        #expect(try space.bind(first) == .bound(mapped: [1], evicted: []))
        // 424 KiB free: the 300 KiB buffer would fit, its 300 KiB partner not; neither is mapped.
        let second = Submission(id: 2, client: 1, buffers: [Self.buffer(2, kib: 300), Self.buffer(3, kib: 300)])
        #expect(try space.bind(second) == .wait(needed: 300 << 10, free: 424 << 10))
        #expect(space.attachments.keys.sorted() == [1], "no partial binding is visible")
        #expect(space.allocator.freeBytes == 424 << 10)
        space.complete(first)
        // Now buffer 1 is unpinned: it is evicted to make room.
        #expect(try space.bind(second) == .bound(mapped: [2, 3], evicted: [1]))
        #expect(space.evictions == 1)
    }

    @Test func residentBuffersAreReusedAndTheLeastRecentlyUsedIsEvictedFirst() throws {
        var space = ResidencySpace(try Self.space(mib: 1))
        let a = Submission(id: 1, client: 0, buffers: [Self.buffer(1, kib: 300)])
        let b = Submission(id: 2, client: 0, buffers: [Self.buffer(2, kib: 300)])
        let c = Submission(id: 3, client: 0, buffers: [Self.buffer(3, kib: 300)])
        for work in [a, b, c] {
            _ = try space.bind(work)
            space.complete(work)
        }
        let rangeOfA = space.attachments[1]?.range
        #expect(try space.bind(a) == .bound(mapped: [], evicted: []), "a resident buffer is bound again without mapping")
        #expect(space.attachments[1]?.range == rangeOfA, "at the same device address")
        space.complete(a)
        // b is now the least recently used.
        let d = Submission(id: 4, client: 0, buffers: [Self.buffer(4, kib: 300)])
        #expect(try space.bind(d) == .bound(mapped: [4], evicted: [2]))
    }

    @Test func attachingIsIdempotentAndAPinnedMappingCannotBeDetached() throws {
        var space = ResidencySpace(try Self.space(mib: 4))
        let buffer = Self.buffer(9, kib: 100, alignment: 64 << 10)
        let range = try space.attach(buffer)
        #expect(range.start % (64 << 10) == 0 && range.length == 100 << 10)
        #expect(try space.attach(buffer) == range)
        let work = Submission(id: 1, client: 0, buffers: [buffer, buffer])
        _ = try space.bind(work)
        #expect(throws: ResidencyError.pinned(buffer: 9, submissions: 1)) { try space.detach(9) }
        space.complete(work)
        #expect(try space.detach(9))
        #expect(try !space.detach(9), "detaching twice does nothing")
        #expect(space.allocator.freeList == space.space.ranges)
    }

    @Test func aSubmissionLargerThanTheSpaceFailsAtOnceWithTheNumbers() throws {
        var space = ResidencySpace(try Self.space(mib: 4))
        let buffers = (0..<8).map { Self.buffer(UInt64($0), kib: 600, alignment: Self.mib) }
        let work = Submission(id: 7, client: 0, buffers: buffers)
        do {
            _ = try space.bind(work)
            Issue.record("8 buffers of 600 KiB aligned to 1 MiB fit in 4 MiB")
        } catch {
            #expect(error == .neverFits(submission: 7, needed: 8 * (Self.mib + (600 << 10) - 4096), mapped: 8 * (600 << 10), space: 4 * Self.mib))
            #expect(error.description.hasPrefix("submission 7 needs 12.7 MiB of address space after alignment and granule rounding (4.7 MiB mapped); the device's space is 4 MiB"))
        }
        #expect(space.attachments.isEmpty)
    }

    @Test func waitingSubmissionsAreServedInArrivalOrder() throws {
        var scheduler = ResidencyScheduler(try Self.space(mib: 1))
        let big = Submission(id: 1, client: 0, buffers: [Self.buffer(1, kib: 700)])
        let second = Submission(id: 2, client: 1, buffers: [Self.buffer(2, kib: 600)])
        let small = Submission(id: 3, client: 2, buffers: [Self.buffer(3, kib: 100)])
        #expect(try scheduler.submit(big))
        #expect(try !scheduler.submit(second), "no room: it waits")
        #expect(try !scheduler.submit(small), "it would fit, but a submission arrived before it and waits for space")
        #expect(scheduler.complete(1).map(\.id) == [2, 3], "both bound in order once the space frees")
        #expect(scheduler.maxOvertaken == 1)
        #expect(throws: ResidencyError.self) { try scheduler.submit(Submission(id: 4, client: 0, buffers: [Self.buffer(4, kib: 2048)])) }
    }

    /// Seeds per run: a pure model, so the kernel lab, where every instruction is emulated,
    /// runs the first 200 only.
    static let interleavings: UInt64 = ProcessInfo.processInfo.environment["HEAPWISE_LAB"] == "1" ? 200 : 2000

    /// Two and three clients whose working sets are each more than half the space, under
    /// 2,000 seeded interleavings each: batched binding completes every frame, and no
    /// submission is overtaken by more than clients − 1 others; binding one buffer at a time
    /// deadlocks (which shows the simulator can fail).
    @Test(arguments: [2, 3])
    func batchedBindingAlwaysFinishesWhereIncrementalDeadlocks(clients: Int) throws {
        let space = try Self.space(mib: 16)
        let workingSets = (0..<clients).map { client in
            (0..<9).map { MappableBuffer(id: UInt64(client * 100 + $0), bytes: Self.mib, alignment: 64 << 10) }
        }
        var deadlocks = 0
        for seed in 0..<Self.interleavings {
            let batched = try ResidencySimulator(.init(space: space, workingSets: workingSets, frames: 6, binding: .batched)).run(seed: seed)
            #expect(!batched.deadlocked && batched.completed == batched.expected, "seed \(seed): \(batched)")
            #expect(batched.maxOvertaken <= clients - 1, "seed \(seed): overtaken \(batched.maxOvertaken) times")
            #expect(batched.peakMapped <= space.size)
            let incremental = try ResidencySimulator(.init(space: space, workingSets: workingSets, frames: 6, binding: .incremental)).run(seed: seed)
            if incremental.deadlocked { deadlocks += 1 }
        }
        #expect(deadlocks > 0, "one-at-a-time binding of working sets over half the space deadlocks in some interleaving")
        print("residency: \(clients) clients × 9 MiB working sets in 16 MiB, \(Self.interleavings) interleavings: batched 0 deadlocks; incremental \(deadlocks) deadlocks")
    }
}
