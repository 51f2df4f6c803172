/// Where one device sees memory: the addresses it can emit (its aperture, minus reserved
/// holes such as the x86 MSI window at 0xfee00000), the IOMMU's page size (granule), and
/// whether an IOMMU translates at all.
///
/// Behind an IOMMU (`translation == .iommu`) any pages can be mapped anywhere in the usable
/// ranges, one mapping per buffer per device. Without one the device emits physical
/// addresses: a buffer must be physically contiguous and lie under its DMA mask, which the
/// resolver already requires; its "address space" is the physical range under the mask and
/// nothing is allocated in it.
public struct DeviceAddressSpace: Hashable, Sendable, CustomStringConvertible {
    public enum Translation: String, Hashable, Sendable {
        /// An IOMMU (or an SMMU, a GART) maps pages at addresses chosen by software.
        case iommu
        /// No translation: the device sees physical addresses.
        case physical
    }

    /// Usable ranges, sorted, disjoint, none touching another (touching ranges are joined).
    public let ranges: [IOVARange]
    /// The smallest page the IOMMU maps (4 KiB, 16 KiB, 64 KiB): every mapping starts and ends
    /// on one. `pageSizes` lists the larger blocks it can also map (2 MiB, 1 GiB).
    public let granule: UInt64
    public let pageSizes: [UInt64]
    public let translation: Translation

    public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        case badGranule(UInt64)
        case noUsableRange
        case bitsOutOfRange(Int)
        case misalignedRange(IOVARange, granule: UInt64)
        case rangeTooHigh(IOVARange)

        public var description: String {
            switch self {
            case let .badGranule(value): "iommu_granule \(value) is not a power of two of at least 4096 bytes"
            case .noUsableRange: "the address space has no usable range (every address is reserved)"
            case let .bitsOutOfRange(bits): "iova_bits \(bits) is outside 12…64"
            case let .rangeTooHigh(range):
                "range at \(IOVA.hex(range.start)) of \(range.length) bytes passes the top of a 64-bit address space"
            case let .misalignedRange(range, granule):
                "range \(range) does not start and end on the \(ByteCount.format(granule)) iommu_granule"
            }
        }
    }

    /// From explicit usable ranges (as `VFIO_IOMMU_GET_INFO`'s IOVA-range capability lists them).
    public init(ranges: [IOVARange], granule: UInt64 = 4096, pageSizes: [UInt64] = [], translation: Translation = .iommu) throws(Problem) {
        guard IOVA.isPowerOfTwo(granule), granule >= 4096 else { throw .badGranule(granule) }
        var joined: [IOVARange] = []
        for range in ranges.filter({ $0.length > 0 }).sorted() {
            guard range.length <= IOVA.limit, range.start <= IOVA.limit - range.length else { throw .rangeTooHigh(range) }
            guard range.start % granule == 0, range.length % granule == 0 else { throw .misalignedRange(range, granule: granule) }
            if let previous = joined.last, range.start <= previous.end {
                joined[joined.count - 1].length = max(previous.end, range.end) - previous.start
            } else {
                joined.append(range)
            }
        }
        guard !joined.isEmpty else { throw .noUsableRange }
        self.ranges = joined
        self.granule = granule
        self.pageSizes = pageSizes.filter { $0 > granule && IOVA.isPowerOfTwo($0) }.sorted()
        self.translation = translation
    }

    /// An aperture of `bits` address bits (a DMA mask of 2^bits − 1) minus `reserved` holes.
    /// 64 bits stops at `IOVA.limit`, so every range has a representable end.
    public init(bits: Int, reserved: [IOVARange] = [], granule: UInt64 = 4096, pageSizes: [UInt64] = [],
                translation: Translation = .iommu) throws(Problem) {
        guard (12...64).contains(bits) else { throw .bitsOutOfRange(bits) }
        let top: UInt64 = bits == 64 ? IOVA.limit / granule * granule : 1 << UInt64(bits)
        var usable: [IOVARange] = []
        var cursor: UInt64 = 0
        for hole in reserved.sorted() where hole.start < top {
            let holeStart = hole.start / granule * granule
            if holeStart > cursor { usable.append(IOVARange(start: cursor, length: holeStart - cursor)) }
            let holeEnd = min(IOVA.alignUp(min(hole.end, top), granule) ?? top, top)
            cursor = max(cursor, holeEnd)
        }
        if cursor < top { usable.append(IOVARange(start: cursor, length: top - cursor)) }
        try self.init(ranges: usable, granule: granule, pageSizes: pageSizes, translation: translation)
    }

    /// As an IOMMU driver reports it (VFIO type1's `VFIO_IOMMU_GET_INFO`): usable ranges as
    /// first and last address, and the bitmap of page sizes it maps, whose lowest bit is the
    /// granule (4 KiB | 2 MiB | 1 GiB on Intel VT-d).
    public init(reportedRanges: [(first: UInt64, last: UInt64)], pageSizeBitmap: UInt64) throws(Problem) {
        guard pageSizeBitmap != 0 else { throw .badGranule(0) }
        let granule = pageSizeBitmap & (~pageSizeBitmap &+ 1)
        let larger = (1..<64).map { UInt64(1) << UInt64($0) }.filter { $0 > granule && pageSizeBitmap & $0 != 0 }
        // A range's ends fall on the granule in practice; trim one that does not rather than
        // let a mapping reach a partial page.
        let ranges = reportedRanges.compactMap { reported -> IOVARange? in
            let whole = IOVARange(first: reported.first, last: reported.last)
            guard let start = IOVA.alignUp(whole.start, granule) else { return nil }
            let end = whole.end / granule * granule
            return end > start ? IOVARange(start: start, length: end - start) : nil
        }
        try self.init(ranges: ranges, granule: granule, pageSizes: larger, translation: .iommu)
    }

    /// This space as a device with a `bits`-bit DMA mask sees it: an IOMMU may offer a 39-bit
    /// space, but a device that drives 28 address lines reaches only its first 256 MiB.
    public func limited(toBits bits: Int) throws(Problem) -> DeviceAddressSpace {
        guard (12...64).contains(bits) else { throw .bitsOutOfRange(bits) }
        guard bits < 64 else { return self }
        let top: UInt64 = 1 << UInt64(bits)
        let clipped = ranges.compactMap { range -> IOVARange? in
            guard range.start < top else { return nil }
            return IOVARange(start: range.start, length: min(range.end, top) - range.start)
        }
        return try DeviceAddressSpace(ranges: clipped, granule: granule, pageSizes: pageSizes, translation: translation)
    }

    /// Bytes of usable address space.
    public var size: UInt64 { ranges.reduce(0) { $0 &+ $1.length } }
    /// The largest address a mapping may reach, plus one.
    public var limit: UInt64 { ranges.last?.end ?? 0 }

    /// The address space a mapping of `bytes` takes here, aligned to `alignment` too: whole
    /// granules, and in the worst case the alignment padding before it (`alignment − granule`).
    public func footprint(bytes: UInt64, alignment: UInt64 = 0) -> (mapped: UInt64, worstCase: UInt64)? {
        guard let mapped = IOVA.alignUp(bytes, granule) else { return nil }
        let align = max(alignment, granule)
        let (total, overflow) = mapped.addingReportingOverflow(align - granule)
        return overflow ? nil : (mapped, total)
    }

    public var description: String {
        let pages = ([granule] + pageSizes).map { ByteCount.format($0) }.joined(separator: " | ")
        return "\(translation == .iommu ? "IOMMU" : "physical") \(ranges.map(\.description).joined(separator: ", ")) (\(ByteCount.format(size))), pages \(pages)"
    }
}
