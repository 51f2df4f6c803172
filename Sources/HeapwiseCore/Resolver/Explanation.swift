/// A combination the resolver turned down, and why. `format`, `modifier`, `heap` and `device`
/// are nil where the reason does not depend on them.
public struct Rejection: Hashable, Sendable, CustomStringConvertible {
    public let format: FormatInfo?
    public let modifier: Modifier?
    public let heap: String?
    /// The participant whose rule failed; nil for pipeline-wide reasons (capacity, merging).
    public let device: String?
    public let reason: RejectionReason

    /// `device: FORMAT/MODIFIER on heap: reason`, the one-line form used in tables and logs.
    public var description: String {
        Self.line(format: format?.name, modifier: modifier?.name, heap: heap, device: device, reason: reason.description)
    }

    /// The one-line form from names: a plan decoded from JSON prints its rejections the same.
    static func line(format: String?, modifier: String?, heap: String?, device: String?, reason: String) -> String {
        var subject = format ?? ""
        if let modifier { subject += "/" + modifier }
        if let heap { subject += subject.isEmpty ? "heap \(heap)" : " on heap \(heap)" }
        let who = device.map { "\($0): " } ?? ""
        return subject.isEmpty ? who + reason : "\(who)\(subject): \(reason)"
    }
}

/// Why a combination fails. Kept as data, not text, so that resolving stays cheap and the
/// text is built only when someone reads it.
public enum RejectionReason: Hashable, Sendable, CustomStringConvertible {
    /// The device does not list the format for the usage at all.
    case formatNotSupported(usage: String, accepted: [FormatInfo])
    /// The device lists the format, but not with this modifier.
    case modifierNotSupported(usage: String, accepted: [Modifier])
    case tooWide(width: Int, max: Int)
    case tooTall(height: Int, max: Int)
    case tooNarrow(width: Int, min: Int)
    case tooShort(height: Int, min: Int)
    /// The size is not one of the device's frame sizes (`VIDIOC_ENUM_FRAMESIZES`).
    case notAFrameSize(FrameSize, sizes: FrameSizes, role: UsageRole?)
    case pitchTooLarge(stride: Int, max: Int, pitchAlignment: Int)
    case mergeFailed(ConstraintError)
    case layoutFailed(LayoutError)
    case heapNotContiguous
    case heapAddressTooWide(heapBits: Int, deviceBits: Int)
    case heapCached
    case heapTooSmall(needed: Int, available: Int, count: Int)
    case heapNotShareable
    case heapSizeOverflow
    /// The pipeline's buffers cannot all be mapped in the device's IOMMU space at once.
    case addressSpaceTooSmall(IOVAFootprint)
    /// The device maps buffers through its IOMMU itself, and the heap's memory has no
    /// `struct page`s to map (a `no-map` carve-out) nor an exporter that maps for it.
    case heapPagesNotMappable

    public var description: String {
        switch self {
        case let .formatNotSupported(usage, accepted):
            return "not accepted for \(usage) (accepts \(Self.list(accepted.map(\.name))))"
        case let .modifierNotSupported(usage, accepted):
            return "modifier not accepted for \(usage) (accepts only \(Self.list(accepted.map(\.name))))"
        case let .tooWide(width, max):
            return "max width \(max) < \(width)"
        case let .tooTall(height, max):
            return "max height \(max) < \(height)"
        case let .tooNarrow(width, min):
            return "min width \(min) > \(width)"
        case let .tooShort(height, min):
            return "min height \(min) > \(height)"
        case let .notAFrameSize(size, sizes, role):
            let verb = switch role {
            case .producer?: "produces"
            case .consumer?: "accepts"
            case nil: "handles"
            }
            return "\(size) is not a frame size it \(verb) (\(sizes))"
        case let .pitchTooLarge(stride, max, alignment):
            return "stride \(stride) bytes (pitch alignment \(alignment)) exceeds max pitch \(max)"
        case let .mergeFailed(error):
            return error.description
        case let .layoutFailed(error):
            return error.description
        case .heapNotContiguous:
            return "needs physically contiguous memory; the heap is scattered"
        case let .heapAddressTooWide(heapBits, deviceBits):
            return "has a \(deviceBits)-bit DMA mask; the heap may return \(heapBits)-bit addresses"
        case .heapCached:
            return "needs uncached memory; the heap is CPU-cached"
        case let .heapTooSmall(needed, available, count):
            return "\(count) buffers need \(ByteCount.format(needed)); the heap has \(ByteCount.format(available))"
        case .heapNotShareable:
            return "the heap is CPU-only memory (memfd); devices cannot import it"
        case .heapSizeOverflow:
            return "the buffers' total size does not fit in 64 bits"
        case .heapPagesNotMappable:
            return "maps buffers through its IOMMU itself; the heap's memory has no struct pages (a no-map carve-out) and its exporter does not map for importers"
        case let .addressSpaceTooSmall(footprint):
            return "\(footprint.buffers) buffers need \(ByteCount.format(footprint.bytes)) of IOVA after \(ByteCount.format(footprint.granule)) alignment; its IOMMU has \(ByteCount.format(footprint.space ?? 0))"
        }
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 8 ? items.joined(separator: ", ") : items.prefix(8).joined(separator: ", ") + ", …"
    }
}
