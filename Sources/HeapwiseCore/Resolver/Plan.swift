/// One way to satisfy a pipeline: a format, a modifier, a layout and a heap.
public struct Plan: Hashable, Sendable {
    public let format: FormatInfo
    public let modifier: Modifier
    public let heap: Heap
    public let layout: ImageLayout
    /// The participants' rules merged: what the buffer actually has to follow.
    public let constraints: Constraints
    /// Other heaps that satisfy the same constraints, in the order to try them if `heap`
    /// fails at allocation time (ENOMEM from an exhausted CMA area, EACCES on a 0600 node).
    public let fallbackHeaps: [String]
    /// What all the pipeline's buffers take of each IOMMU-backed participant's address space.
    public let iovaFootprints: [IOVAFootprint]
    let rank: PlanRank

    /// Bytes for all `count` buffers.
    public func totalBytes(count: Int) -> Int { layout.size.multipliedReportingOverflow(by: count).partialValue }

    /// Things a user of this plan must know, derived from the merged rules.
    public var notes: [String] {
        var notes: [String] = []
        if modifier.isImplicit {
            notes.append("implicit modifier (INVALID): the drivers pick the layout; Heapwise assumed linear")
        }
        if layout.buffers.count > 1 {
            let groups = layout.buffers.map { "{" + $0.planes.map { String($0.index) }.joined(separator: ",") + "}" }
            notes.append("planes \(groups.joined(separator: " ")) must live in separate memory regions: \(layout.buffers.count) dma-bufs per image")
        }
        if heap.exporterRemaps {
            notes.append("the heap's exporter maps the buffers for every importer: devices use its addresses and spend none of their own IOVA")
        }
        if constraints.cache == .noncoherent && heap.cached {
            notes.append("a participant does not snoop CPU caches: bracket CPU access with DMA_BUF_IOCTL_SYNC")
        }
        return notes
    }
}

/// The ordering of plans, the way media engineers choose (README, "How the resolver
/// decides"): the pipeline's own format preference; then no needless loss of the producers'
/// native precision; then fewer bits per pixel (which also avoids conversions); then
/// compressed or tiled modifiers before LINEAR; then the consumers' preference before the
/// producers' (the display or encoder at the end decides, as Wayland's dmabuf feedback
/// tranches and GStreamer's downstream caps do); then heap hints, heap preference and
/// scarcity; then a dma-buf heap before an ION heap that is otherwise its equal (`Heap.ionHeapID`
/// says why); then fewer bytes. Ties are broken by codes and names so output is stable.
struct PlanRank: Hashable, Sendable, Comparable {
    var pipelineFormat: Int
    /// How many producers' native precision the format loses.
    var precisionLoss: Int
    var bitsPerPixel: Int
    var modifierClass: Int
    /// Positions in the consumers', producers' and role-less usages' preference orders.
    var consumerPreference: Int
    var producerPreference: Int
    var otherPreference: Int
    /// Heap order: hints (`HeapHint`), then the profiles' `heaps:` lists, then scarcity.
    var hintMisses: Int
    var hintPreference: Int
    var heapMisses: Int
    var heapPreference: Int
    var heapScarcity: Int
    /// 0 for a dma-buf heap (or udmabuf, memfd), 1 for an ION heap.
    var heapInterface: Int
    var bytes: Int
    var fourcc: UInt32
    var modifier: UInt64
    var heapName: String

    static func < (a: Self, b: Self) -> Bool {
        // Tuples compare up to six elements: the order in two halves, then the tie-breaks.
        let (a1, b1) = ((a.pipelineFormat, a.precisionLoss, a.bitsPerPixel, a.modifierClass, a.consumerPreference, a.producerPreference),
                        (b.pipelineFormat, b.precisionLoss, b.bitsPerPixel, b.modifierClass, b.consumerPreference, b.producerPreference))
        if a1 != b1 { return a1 < b1 }
        let (a2, b2) = ((a.otherPreference, a.hintMisses, a.hintPreference, a.heapMisses, a.heapPreference, a.heapScarcity),
                        (b.otherPreference, b.hintMisses, b.hintPreference, b.heapMisses, b.heapPreference, b.heapScarcity))
        if a2 != b2 { return a2 < b2 }
        return (a.heapInterface, a.bytes, a.fourcc, a.modifier, a.heapName) < (b.heapInterface, b.bytes, b.fourcc, b.modifier, b.heapName)
    }
}

/// The answer for a pipeline: the best plan (if any), the others in rank order, and why
/// every other combination was turned down.
public struct Resolution: Sendable {
    public let pipeline: Pipeline
    public let catalog: HeapCatalog
    public let chosen: Plan?
    public let alternatives: [Plan]
    public let rejected: [Rejection]
    /// When there is no plan and a participant refused the size as not one of its frame sizes:
    /// the size nearest the pipeline's at which every participant agrees on a plan, if any.
    public let suggestedSize: FrameSize?
    /// What became of each participant's heap hint (`HeapHint`).
    public let heapHints: [HeapHintReport]

    public init(
        pipeline: Pipeline, catalog: HeapCatalog, chosen: Plan?, alternatives: [Plan], rejected: [Rejection],
        suggestedSize: FrameSize? = nil, heapHints: [HeapHintReport] = []
    ) {
        self.heapHints = heapHints
        self.pipeline = pipeline
        self.catalog = catalog
        self.chosen = chosen
        self.alternatives = alternatives
        self.rejected = rejected
        self.suggestedSize = suggestedSize
    }
}
