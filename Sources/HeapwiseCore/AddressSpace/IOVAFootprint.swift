/// What a plan's buffers take of one device's IOMMU address space when all `count` images
/// are mapped at once, as a GPU-style device binds them: every dma-buf of every image gets
/// its own range (all its planes inside), rounded up to whole IOMMU pages and started on one.
///
/// A device without an IOMMU has no footprint: it sees physical addresses, and the heap
/// checks (contiguity, address bits) already decide where its buffers may live.
public struct IOVAFootprint: Hashable, Sendable, CustomStringConvertible {
    public let device: String
    /// dma-bufs mapped: `count` images × buffers per image.
    public let buffers: Int
    /// Address space they take, granule waste included.
    public let bytes: UInt64
    /// The IOMMU's page (`iommu_granule`, 4 KiB when the profile does not say).
    public let granule: UInt64
    /// The aperture's width (`iova_bits`, else the DMA mask's `address_bits`); nil when the
    /// profile states neither, so no limit is known.
    public let apertureBits: Int?

    /// The aperture in bytes (2^64 stops at `IOVA.limit`).
    public var space: UInt64? { apertureBits.map { $0 >= 64 ? IOVA.limit : 1 << UInt64(max($0, 0)) } }

    public var fits: Bool { space.map { bytes <= $0 } ?? true }

    /// The footprint of `count` images of `layout` on a device with these rules; nil unless it
    /// is behind an IOMMU (`iommu: true`).
    public static func of(_ layout: ImageLayout, count: Int, device: String, rules: Constraints) -> IOVAFootprint? {
        guard rules.iommu == true else { return nil }
        let granule = UInt64(max(rules.iommuGranule ?? 4096, 4096))
        var perImage: UInt64 = 0
        for buffer in layout.buffers {
            let mapped = IOVA.alignUp(UInt64(max(buffer.size, 0)), granule) ?? .max
            perImage = perImage.addingReportingOverflow(mapped).overflow ? .max : perImage + mapped
        }
        let (total, overflow) = perImage.multipliedReportingOverflow(by: UInt64(max(count, 0)))
        return IOVAFootprint(device: device, buffers: layout.buffers.count * max(count, 0), bytes: overflow ? .max : total,
                             granule: granule, apertureBits: rules.iovaBits ?? rules.addressBits)
    }

    /// `2 buffers, 8 KiB of IOVA in 4 KiB pages, of 256 MiB`.
    public var description: String {
        let limit = space.map { "of \(ByteCount.format($0))" } ?? "(no aperture stated)"
        return "\(buffers) buffer\(buffers == 1 ? "" : "s"), \(ByteCount.format(bytes)) of IOVA in \(ByteCount.format(granule)) pages, \(limit)"
    }
}
