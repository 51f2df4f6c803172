/// How a device relates to the CPU caches, ordered from least to most demanding.
///
/// `coherent` devices snoop CPU caches (e.g. an LLC-sharing GPU). `noncoherent` devices do not,
/// so CPU access must be bracketed by `DMA_BUF_IOCTL_SYNC`, which makes the exporter clean or
/// invalidate caches; any heap works. `uncached` devices need memory the CPU never caches
/// (e.g. a scanout engine fed by unsynchronised CPU writes), so only an uncached heap fits.
public enum CacheRequirement: String, Hashable, Sendable, Comparable, CaseIterable {
    case coherent, noncoherent, uncached

    private var rank: Int {
        switch self {
        case .coherent: 0
        case .noncoherent: 1
        case .uncached: 2
        }
    }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// The rules one device (or a merged pipeline) imposes on a buffer.
///
/// Every field is optional: `nil` means "this device has no rule", which is what lets a
/// usage or a format refine a device-wide rule ("most specific wins", `overriding(with:)`)
/// and what makes `merged(with:)` a semilattice with `Constraints()` as its identity.
public struct Constraints: Hashable, Sendable {
    /// Stride multiple, in bytes.
    public var pitchAlignment: Int?
    /// Multiple for every plane's offset inside its buffer, in bytes.
    public var offsetAlignment: Int?
    /// Width multiple, in pixels (e.g. 16 for macroblock-based codecs).
    public var widthAlignment: Int?
    /// Height multiple, in rows.
    public var heightAlignment: Int?
    /// Rows a driver adds after height alignment (codec reference padding).
    public var extraRows: Int?
    /// Bytes a driver expects after the end of each plane.
    public var paddingBytes: Int?
    /// Multiple for each buffer's total size, in bytes.
    public var sizeAlignment: Int?
    public var minWidth: Int?
    public var minHeight: Int?
    public var maxWidth: Int?
    public var maxHeight: Int?
    /// The only sizes the device produces or accepts (V4L2 `VIDIOC_ENUM_FRAMESIZES`); any
    /// other size, even inside the min/max limits, is one the driver snaps away from.
    public var frameSizes: FrameSizes?
    /// Largest stride the device can program, in bytes.
    public var maxPitch: Int?
    /// Whether the device needs physically contiguous memory (no IOMMU or scatter-gather DMA).
    public var contiguous: Bool?
    /// Width of the device's DMA mask (`dma_set_mask(dev, DMA_BIT_MASK(n))`): the highest
    /// physical address it can reach. Behind an IOMMU (`iommu: true`) the mask limits only
    /// the device's I/O virtual addresses, and any physical page will do.
    public var addressBits: Int?
    /// Whether the device reaches memory through an IOMMU, so scattered pages and pages
    /// above its DMA mask are mapped for it.
    public var iommu: Bool?
    /// Width of the device's I/O virtual address space behind its IOMMU (its aperture,
    /// `VFIO_IOMMU_GET_INFO`'s IOVA ranges): how much of the pipeline can be mapped for it at
    /// once, whatever physical memory backs it.
    public var iovaBits: Int?
    /// The IOMMU's smallest page (4 KiB, 16 KiB, 64 KiB): every mapping starts and ends on
    /// one, so each buffer takes whole granules of the device's address space.
    public var iommuGranule: Int?
    public var cache: CacheRequirement?
    /// Which planes must live in separate memory regions (banks), as a partition of planes.
    public var placement: PlanePlacement?

    public init(
        pitchAlignment: Int? = nil, offsetAlignment: Int? = nil, widthAlignment: Int? = nil,
        heightAlignment: Int? = nil, extraRows: Int? = nil, paddingBytes: Int? = nil,
        sizeAlignment: Int? = nil, minWidth: Int? = nil, minHeight: Int? = nil,
        maxWidth: Int? = nil, maxHeight: Int? = nil, frameSizes: FrameSizes? = nil, maxPitch: Int? = nil,
        contiguous: Bool? = nil, addressBits: Int? = nil, iommu: Bool? = nil, iovaBits: Int? = nil, iommuGranule: Int? = nil,
        cache: CacheRequirement? = nil,
        placement: PlanePlacement? = nil
    ) {
        self.pitchAlignment = pitchAlignment
        self.offsetAlignment = offsetAlignment
        self.widthAlignment = widthAlignment
        self.heightAlignment = heightAlignment
        self.extraRows = extraRows
        self.paddingBytes = paddingBytes
        self.sizeAlignment = sizeAlignment
        self.minWidth = minWidth
        self.minHeight = minHeight
        self.maxWidth = maxWidth
        self.maxHeight = maxHeight
        self.frameSizes = frameSizes
        self.maxPitch = maxPitch
        self.contiguous = contiguous
        self.addressBits = addressBits
        self.iommu = iommu
        self.iovaBits = iovaBits
        self.iommuGranule = iommuGranule
        self.cache = cache
        self.placement = placement
    }

    /// Key by key, `specific`'s rule where it has one, else this one's: how a usage refines
    /// a device-wide rule and a format entry refines its usage.
    public func overriding(with specific: Constraints) -> Constraints {
        // Most format entries refine nothing: skip the table walk for them.
        if specific == Constraints() { return self }
        var result = self
        result.override(with: specific)
        return result
    }

    /// `overriding(with:)` in place.
    public mutating func override(with specific: Constraints) {
        if specific == Constraints() { return }
        withUnsafeBytes(of: specific) { from in
            withUnsafeMutableBytes(of: &self) { to in
                for key in ConstraintKey.layouts {
                    switch key.storage {
                    case .int: Self.overrideField(Int.self, key, from, to)
                    case .bool: Self.overrideField(Bool.self, key, from, to)
                    case .cache: Self.overrideField(CacheRequirement.self, key, from, to)
                    case .placement: Self.overrideField(PlanePlacement.self, key, from, to)
                    case .frameSizes: Self.overrideField(FrameSizes.self, key, from, to)
                    case .other: break
                    }
                }
            }
        }
        for (index, key) in ConstraintKey.layouts.enumerated() where key.storage == .other {
            ConstraintKey.all[index].override(&self, specific)
        }
    }

    /// One plain-data key: `specific`'s value, where it has one, replaces this one's.
    @inline(__always)
    private static func overrideField<Value>(
        _ type: Value.Type, _ key: ConstraintKeyLayout, _ from: UnsafeRawBufferPointer, _ to: UnsafeMutableRawBufferPointer
    ) {
        if let value = from.load(fromByteOffset: key.offset, as: Value?.self) {
            to.storeBytes(of: value, toByteOffset: key.offset, as: Value?.self)
        }
    }

    /// The keys set here, in table order.
    public var setKeys: [ConstraintKey] { ConstraintKey.all.filter { $0.isSet(self) } }
}
