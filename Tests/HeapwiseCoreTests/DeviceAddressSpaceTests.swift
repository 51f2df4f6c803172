@testable import HeapwiseCore
import Testing

/// Address spaces as an IOMMU driver reports them, and as a device's DMA mask narrows them.
@Suite struct DeviceAddressSpaceTests {
    /// What VFIO_IOMMU_GET_INFO answered on the lab's emulated VT-d (QEMU 7.2, Linux 6.1):
    /// page sizes 4 KiB | 2 MiB | 1 GiB, and a 39-bit space with the MSI window cut out.
    static let vtdRanges: [(first: UInt64, last: UInt64)] = [(0x0, 0xfedf_ffff), (0xfef0_0000, 0x7f_ffff_ffff)]
    static let vtdPageSizes: UInt64 = 0x1000 | 0x20_0000 | 0x4000_0000

    @Test func theLowestReportedPageSizeIsTheGranuleAndRangesAreKeptAsReported() throws {
        let space = try DeviceAddressSpace(reportedRanges: Self.vtdRanges, pageSizeBitmap: Self.vtdPageSizes)
        #expect(space.granule == 4096)
        #expect(space.pageSizes == [0x20_0000, 0x4000_0000])
        #expect(space.ranges == [IOVARange(start: 0, length: 0xfee0_0000), IOVARange(start: 0xfef0_0000, length: 0x80_0000_0000 - 0xfef0_0000)])
        #expect(space.translation == .iommu)
    }

    @Test func aDMAMaskClipsTheReportedSpaceToWhatTheDeviceCanAddress() throws {
        let space = try DeviceAddressSpace(reportedRanges: Self.vtdRanges, pageSizeBitmap: Self.vtdPageSizes)
        let edu28 = try space.limited(toBits: 28)
        #expect(edu28.ranges == [IOVARange(start: 0, length: 1 << 28)], "QEMU edu's default mask: the first 256 MiB")
        let edu32 = try space.limited(toBits: 32)
        #expect(edu32.ranges == [IOVARange(start: 0, length: 0xfee0_0000), IOVARange(start: 0xfef0_0000, length: 0x1_0000_0000 - 0xfef0_0000)],
                "a 32-bit mask keeps the window below 4 GiB minus the MSI hole")
        #expect(try space.limited(toBits: 64) == space)
        #expect(throws: DeviceAddressSpace.Problem.bitsOutOfRange(8)) { try space.limited(toBits: 8) }
    }

    @Test func aReportedRangeOffTheGranuleIsTrimmedAndAnEmptyAnswerIsRefused() throws {
        let space = try DeviceAddressSpace(reportedRanges: [(0x800, 0x2_17ff)], pageSizeBitmap: 0x1000)
        #expect(space.ranges == [IOVARange(start: 0x1000, length: 0x2_0000)], "partial pages at both ends are not usable")
        #expect(throws: DeviceAddressSpace.Problem.badGranule(0)) { try DeviceAddressSpace(reportedRanges: Self.vtdRanges, pageSizeBitmap: 0) }
        #expect(throws: DeviceAddressSpace.Problem.noUsableRange) { try DeviceAddressSpace(reportedRanges: [(0x10, 0x20)], pageSizeBitmap: 0x1000) }
    }
}
