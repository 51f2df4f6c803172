import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// What Heapwise reads from VFIO without a device: the `VFIO_IOMMU_GET_INFO` answer (parsed
/// in the C shim, bounds-checked) and the PCI addresses it accepts. The real answer is
/// checked in the lab (KernelVFIOTests).
@Suite struct VFIOParsingTests {
    /// A `vfio_iommu_type1_info` (24 bytes) followed by one IOVA-range capability.
    static func answer(flags: UInt32 = 3, pageSizes: UInt64, capOffset: UInt32 = 24, ranges: [(UInt64, UInt64)], count: UInt32? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        put(UInt32(24 + 16 + 16 * ranges.count)); put(flags); put(pageSizes); put(capOffset); put(UInt32(0))
        put(UInt16(1)); put(UInt16(1)); put(UInt32(0))  // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, version 1, last
        put(count ?? UInt32(ranges.count)); put(UInt32(0))
        for (first, last) in ranges { put(first); put(last) }
        return bytes
    }

    @Test func theIOVARangeCapabilityBecomesTheSpace() throws {
        let space = try VFIOAddressSpace.parseSpace(Self.answer(pageSizes: 0x4020_1000, ranges: [(0, 0xfedf_ffff), (0xfef0_0000, 0x7f_ffff_ffff)]))
        #expect(space.granule == 4096 && space.pageSizes == [2 << 20, 1 << 30])
        #expect(space.ranges.map(\.start) == [0, 0xfef0_0000] && space.limit == 0x80_0000_0000)
    }

    @Test func anAnswerWithoutCapabilitiesIsTheWhole64BitSpace() throws {
        let space = try VFIOAddressSpace.parseSpace(Self.answer(flags: 1, pageSizes: 0x1000, ranges: []))
        #expect(space.ranges.count == 1 && space.ranges[0].start == 0 && space.limit == IOVA.limit)
    }

    @Test func aCapabilityListingNoRangeIsNoUsableSpaceNotTheWholeSpace() {
        let error = #expect(throws: LinuxError.self) { try VFIOAddressSpace.parseSpace(Self.answer(pageSizes: 0x1000, ranges: [])) }
        #expect(error?.message.contains("no usable range") == true, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func aCapabilityPointingOutsideTheAnswerIsRefusedNotRead() {
        for bad in [Self.answer(pageSizes: 0x1000, capOffset: 4000, ranges: [(0, 0xfff)]),
                    Self.answer(pageSizes: 0x1000, capOffset: 8, ranges: [(0, 0xfff)]),
                    Self.answer(pageSizes: 0x1000, ranges: [(0, 0xfff)], count: 1_000_000),
                    Array(Self.answer(pageSizes: 0x1000, ranges: [(0, 0xfff)]).prefix(30))] {
            let error = #expect(throws: LinuxError.self) { try VFIOAddressSpace.parseSpace(bad) }
            #expect(error?.operation == .vfioIOMMUGetInfo && error?.message.contains("malformed") == true)
        }
    }

    @Test func onlyAFullPCIAddressNamesADevice() {
        #expect(VFIOAddressSpace.isPCIAddress("0000:00:08.0") && VFIOAddressSpace.isPCIAddress("0001:3a:1f.7"))
        for bad in ["00:08.0", "0000:00:08", "0000:00:08.0/../x", "../../0:00:08.0", "", "0000:00:0g.0"] {
            #expect(!VFIOAddressSpace.isPCIAddress(bad), "\(bad)")
        }
        #expect(throws: LinuxError.self) { _ = try VFIOAddressSpace(pciAddress: "../../etc") }
    }
}
