@testable import HeapwiseCore
import Testing

/// The device-address allocator: first fit, aligned, over free ranges that merge on free;
/// checked against a plain sorted list doing the same thing slowly, over seeded random runs.
@Suite struct IOVAAllocatorTests {
    /// The obvious first-fit allocator over a sorted array of free ranges.
    struct Reference {
        var free: [IOVARange]
        let granule: UInt64

        mutating func allocate(bytes: UInt64, alignment: UInt64) -> IOVARange? {
            let size = IOVA.alignUp(bytes, granule)!
            let align = max(alignment, granule)
            for (index, range) in free.enumerated() {
                guard let at = IOVA.alignUp(range.start, align), at < range.end, range.end - at >= size else { continue }
                var pieces: [IOVARange] = []
                if at > range.start { pieces.append(IOVARange(start: range.start, length: at - range.start)) }
                if range.end > at + size { pieces.append(IOVARange(start: at + size, length: range.end - at - size)) }
                free.replaceSubrange(index...index, with: pieces)
                return IOVARange(start: at, length: size)
            }
            return nil
        }

        mutating func free(_ range: IOVARange) {
            free.append(range)
            free.sort()
            var merged: [IOVARange] = []
            for piece in free {
                if let last = merged.last, last.end == piece.start {
                    merged[merged.count - 1].length += piece.length
                } else {
                    merged.append(piece)
                }
            }
            free = merged
        }
    }

    static func space(bits: Int = 32, reserved: [IOVARange] = [], granule: UInt64 = 4096) throws -> DeviceAddressSpace {
        try DeviceAddressSpace(bits: bits, reserved: reserved, granule: granule)
    }

    @Test func firstFitTakesTheLowestAlignedAddressAndFreeMergesBothNeighbours() throws {
        var allocator = IOVAAllocator(try Self.space(bits: 24))
        let a = try allocator.allocate(bytes: 100)
        #expect(a == IOVARange(start: 0, length: 4096), "rounded up to one 4 KiB granule, at the bottom")
        let b = try allocator.allocate(bytes: 8192, alignment: 1 << 16)
        #expect(b.start == 0x10000, "64 KiB alignment skips the rest of the first 64 KiB")
        let c = try allocator.allocate(bytes: 4096)
        #expect(c.start == 0x1000, "the gap the alignment left is used first")
        #expect(allocator.freeRanges == 2)
        try allocator.free(a)
        try allocator.free(c)
        try allocator.free(b)
        #expect(allocator.freeList == [IOVARange(start: 0, length: 1 << 24)], "everything freed is one range again")
        #expect(allocator.fragmentation == 0)
    }

    @Test func reservedHolesAreNeverHandedOut() throws {
        // The x86 MSI window, as VFIO_IOMMU_GET_INFO reported it for an emulated VT-d:
        // 0x0–0xfedfffff and 0xfef00000–0x7fffffffff.
        let space = try Self.space(bits: 39, reserved: [IOVARange(first: 0xfee0_0000, last: 0xfeef_ffff)])
        #expect(space.ranges == [IOVARange(first: 0, last: 0xfedf_ffff), IOVARange(first: 0xfef0_0000, last: 0x7f_ffff_ffff)])
        var allocator = IOVAAllocator(space)
        _ = try allocator.allocate(bytes: 0xfed0_0000)
        let next = try allocator.allocate(bytes: 2 << 20)
        #expect(next.start == 0xfef0_0000, "2 MiB does not fit below the hole (1 MiB left), so it goes above it")
        let small = try allocator.allocate(bytes: 4096)
        #expect(small.start == 0xfed0_0000, "a page still fits below the hole")
        #expect(!space.ranges.contains { $0.overlaps(IOVARange(first: 0xfee0_0000, last: 0xfeef_ffff)) })
    }

    @Test func badRequestsAreRefusedWithTheNumbers() throws {
        var allocator = IOVAAllocator(try Self.space(bits: 20))
        #expect(throws: IOVAError.zeroSize) { try allocator.allocate(bytes: 0) }
        #expect(throws: IOVAError.alignmentNotPowerOfTwo(12288)) { try allocator.allocate(bytes: 4096, alignment: 12288) }
        #expect(throws: IOVAError.largerThanSpace(bytes: 2 << 20, space: 1 << 20)) { try allocator.allocate(bytes: 2 << 20) }
        #expect(throws: IOVAError.largerThanSpace(bytes: .max, space: 1 << 20)) { try allocator.allocate(bytes: .max) }
        let page = try allocator.allocate(bytes: 4096)
        _ = try allocator.allocate(bytes: 512 << 10, alignment: 512 << 10)
        do {
            _ = try allocator.allocate(bytes: 512 << 10)
            Issue.record("a 512 KiB mapping fit in a space with 508 KiB free in pieces")
        } catch {
            #expect(error == .noRoom(bytes: 512 << 10, alignment: 4096, largestFree: 508 << 10, free: 508 << 10, space: 1 << 20))
            #expect(error.description == "no free range holds 512 KiB aligned to 4 KiB: the largest is 508 KiB, 508 KiB of 1 MiB free in all")
        }
        #expect(throws: IOVAError.notMapped(IOVARange(start: 0x1000, length: 4096))) { try allocator.free(IOVARange(start: 0x1000, length: 4096)) }
        try allocator.free(page)
        #expect(throws: IOVAError.notMapped(page), "freeing twice") { try allocator.free(page) }
    }

    @Test func addressSpacesAreValidated() {
        #expect(throws: DeviceAddressSpace.Problem.badGranule(12288)) { try DeviceAddressSpace(bits: 32, granule: 12288) }
        #expect(throws: DeviceAddressSpace.Problem.bitsOutOfRange(8)) { try DeviceAddressSpace(bits: 8) }
        #expect(throws: DeviceAddressSpace.Problem.noUsableRange) { try DeviceAddressSpace(bits: 16, reserved: [IOVARange(start: 0, length: 1 << 16)]) }
        #expect(throws: DeviceAddressSpace.Problem.misalignedRange(IOVARange(start: 0x800, length: 4096), granule: 4096)) {
            try DeviceAddressSpace(ranges: [IOVARange(start: 0x800, length: 4096)])
        }
        let full = try? DeviceAddressSpace(bits: 64)
        #expect(full?.limit == UInt64.max - IOVA.topReserve + 1, "a 64-bit space stops a page short of 2⁶⁴")
        let touching = try? DeviceAddressSpace(ranges: [IOVARange(start: 0x2000, length: 0x1000), IOVARange(start: 0, length: 0x2000)])
        #expect(touching?.ranges == [IOVARange(start: 0, length: 0x3000)], "touching ranges are one")
    }

    @Test func footprintCountsGranulesAndWorstCaseAlignment() throws {
        let space = try Self.space(bits: 32, granule: 64 << 10)
        let footprint = try #require(space.footprint(bytes: 100_000, alignment: 1 << 20))
        #expect(footprint.mapped == 128 << 10, "two 64 KiB granules")
        #expect(footprint.worstCase == (128 << 10) + (1 << 20) - (64 << 10), "plus up to 960 KiB of padding to reach a 1 MiB boundary")
    }

    /// Thousands of seeded allocate/free steps, sizes from a page to 4 MiB, alignments from
    /// none to 2 MiB, in a space with holes: the tree gives the reference's answer every time.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func theTreeAgreesWithTheReferenceOnRandomRuns(seed: UInt64) throws {
        let space = try Self.space(bits: 30, reserved: [IOVARange(start: 0x1000_0000, length: 0x10_0000), IOVARange(start: 0x2345_6000, length: 0x7000)])
        var tree = IOVAAllocator(space, seed: seed)
        var reference = Reference(free: space.ranges, granule: space.granule)
        var random = SplitMix64(seed: seed &* 0x9E37_79B9)
        var live: [IOVARange] = []
        for step in 0..<3000 {
            if live.isEmpty || random.next() % 100 < 55 {
                let bytes = 1 + random.next() % (4 << 20)
                let alignment: UInt64 = [0, 0, 4096, 1 << 16, 1 << 21][Int(random.next() % 5)]
                let expected = reference.allocate(bytes: bytes, alignment: alignment)
                let got = try? tree.allocate(bytes: bytes, alignment: alignment)
                guard got == expected else {
                    Issue.record("step \(step): \(bytes) bytes aligned \(alignment): the tree gave \(got.map(\.description) ?? "nothing"), the reference \(expected.map(\.description) ?? "nothing")")
                    return
                }
                if let got { live.append(got) }
            } else {
                let range = live.remove(at: Int(random.next() % UInt64(live.count)))
                try tree.free(range)
                reference.free(range)
            }
            if step % 250 == 0 {
                #expect(tree.freeList == reference.free, "step \(step): the free ranges")
            }
        }
        #expect(tree.freeList == reference.free)
        #expect(tree.freeBytes == reference.free.reduce(0) { $0 + $1.length })
        #expect(tree.largestFree == reference.free.map(\.length).max() ?? 0)
        for range in live { try tree.free(range) }
        #expect(tree.freeList == space.ranges, "freeing everything restores the space")
    }
}
