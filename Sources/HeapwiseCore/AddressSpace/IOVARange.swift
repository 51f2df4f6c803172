/// A range of device (I/O virtual) addresses: `[start, start + length)`. Device addresses
/// are local to one device's address space (an IOMMU domain, or the bus addresses of a device
/// without one): the same buffer has one range per device it is mapped into.
public struct IOVARange: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var start: UInt64
    public var length: UInt64

    public init(start: UInt64, length: UInt64) {
        self.start = start
        self.length = length
    }

    /// `[first, last]` inclusive, as `VFIO_IOMMU_GET_INFO`'s `struct vfio_iova_range` reports
    /// it. A range reaching the very top of a 64-bit space stops one 4 KiB page short, so that
    /// every range's `end` is a representable number (the model loses one page of 2⁶⁴).
    public init(first: UInt64, last: UInt64) {
        start = first
        let top = min(last, IOVA.limit - 1)
        length = top >= first ? top - first + 1 : 0
    }

    /// One past the last address. Ranges never reach 2⁶⁴ (`IOVA.topReserve`).
    public var end: UInt64 { start + length }
    public var last: UInt64 { start + length - 1 }

    public func contains(_ other: IOVARange) -> Bool { other.start >= start && other.end <= end }
    public func overlaps(_ other: IOVARange) -> Bool { start < other.end && other.start < end }

    public static func < (a: IOVARange, b: IOVARange) -> Bool { (a.start, a.length) < (b.start, b.length) }

    public var description: String { "\(IOVA.hex(start))–\(IOVA.hex(last))" }
}

/// Address arithmetic shared by the address-space model.
public enum IOVA {
    /// The bytes below 2⁶⁴ no range covers, so `start + length` never overflows.
    public static let topReserve: UInt64 = 4096
    /// The end no range passes: 2⁶⁴ − `topReserve`.
    public static let limit: UInt64 = UInt64.max - topReserve + 1

    public static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    public static func isPowerOfTwo(_ value: UInt64) -> Bool { value != 0 && value & (value - 1) == 0 }

    /// `value` rounded up to a multiple of `alignment` (a power of two), nil on overflow.
    public static func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64? {
        let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}
