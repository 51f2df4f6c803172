/// Negotiates one buffer plan across every participant of a pipeline.
///
/// For each candidate format: intersect the participants' modifiers (INVALID, the implicit
/// modifier, only ever matches itself, as `drm_fourcc.h` forbids mixing it with explicit
/// ones), merge their rules, compute the layout, and keep every heap whose properties satisfy
/// the merged rules. Every combination turned down is recorded with the device and rule that
/// turned it down.
public struct Resolver: Sendable {
    public let catalog: HeapCatalog

    public init(catalog: HeapCatalog = .builtIn) { self.catalog = catalog }

    public func resolve(_ pipeline: Pipeline) -> Resolution {
        var plans: [Plan] = []
        var rejected: [Rejection] = []
        plans.reserveCapacity(8)
        rejected.reserveCapacity(32)
        let participants = pipeline.participants
        let heapRanks = catalog.heaps.map { heapPreferenceRank($0, participants) }
        // Device-wide rules refined by the usage: the same for every candidate, so merged once.
        let usageRules = participants.map { $0.device.constraints.overriding(with: $0.usage.constraints) }

        for (formatRank, format) in candidateFormats(pipeline).enumerated() {
            // Which participants accept the format at all.
            var accepting = true
            for p in participants where !p.usage.accepts(format.fourcc) {
                accepting = false
                rejected.append(Rejection(
                    format: format, modifier: nil, heap: nil, device: p.label,
                    reason: .formatNotSupported(usage: p.usage.name, accepted: p.usage.acceptedFormats)
                ))
            }
            guard accepting else { continue }

            for modifier in candidateModifiers(format, participants) {
                evaluate(
                    format: format, modifier: modifier, formatRank: formatRank, pipeline: pipeline,
                    usageRules: usageRules, heapRanks: heapRanks, plans: &plans, rejected: &rejected
                )
            }
        }
        plans.sort { $0.rank < $1.rank }
        return Resolution(
            pipeline: pipeline, catalog: catalog, chosen: plans.first,
            alternatives: Array(plans.dropFirst()), rejected: rejected
        )
    }

    /// The pipeline's own list, else every format any participant names, in participant order.
    /// (Lists are a few dozen entries: a linear search beats hashing here.)
    private func candidateFormats(_ pipeline: Pipeline) -> [FormatInfo] {
        if let formats = pipeline.formats { return formats }
        var result: [FormatInfo] = []
        for p in pipeline.participants {
            for format in p.usage.acceptedFormats where !result.contains(where: { $0.fourcc == format.fourcc }) {
                result.append(format)
            }
        }
        return result
    }

    /// Every modifier any participant pairs with `format`, in first-seen order.
    private func candidateModifiers(_ format: FormatInfo, _ participants: [Participant]) -> [Modifier] {
        var result: [Modifier] = []
        for p in participants {
            for modifier in p.usage.modifiers(for: format.fourcc) where !result.contains(modifier) {
                result.append(modifier)
            }
        }
        return result
    }

    private func evaluate(
        format: FormatInfo, modifier: Modifier, formatRank: Int, pipeline: Pipeline, usageRules: [Constraints],
        heapRanks: [(misses: Int, position: Int)], plans: inout [Plan], rejected: inout [Rejection]
    ) {
        let participants = pipeline.participants
        func reject(_ device: String?, _ reason: RejectionReason, heap: String? = nil) {
            rejected.append(Rejection(format: format, modifier: modifier, heap: heap, device: device, reason: reason))
        }

        // Each participant's own rules for this combination, and its preference for it.
        var rules: [Constraints] = []
        rules.reserveCapacity(participants.count)
        var preference = 0
        var failed = false
        for (p, usageRule) in zip(participants, usageRules) {
            guard let (entry, position) = Self.entry(for: format, modifier, in: p.usage) else {
                failed = true
                reject(p.label, .modifierNotSupported(usage: p.usage.name, accepted: p.usage.modifiers(for: format.fourcc)))
                continue
            }
            preference += position
            let c = usageRule.overriding(with: entry.constraints)
            if let reason = Self.checkDimensions(c, pipeline) {
                failed = true
                reject(p.label, reason)
            }
            rules.append(c)
        }
        guard !failed else { return }

        var merged = Constraints()
        do {
            for c in rules { merged = try merged.merged(with: c) }
        } catch {
            return reject(nil, .mergeFailed(error))
        }

        let layout: ImageLayout
        do {
            layout = try LayoutCalculator.layout(
                format: format, modifier: modifier, width: pipeline.width, height: pipeline.height,
                constraints: merged
            )
        } catch {
            return reject(nil, .layoutFailed(error))
        }

        for (p, c) in zip(participants, rules) {
            if let maxPitch = c.maxPitch, layout.maxStride > maxPitch {
                failed = true
                reject(p.label, .pitchTooLarge(stride: layout.maxStride, max: maxPitch, pitchAlignment: merged.pitchAlignment ?? 1))
            }
        }
        guard !failed else { return }

        var viable: [(heap: Heap, rank: (misses: Int, position: Int))] = []
        for (heap, heapRank) in zip(catalog.heaps, heapRanks) {
            var fits = true
            for (p, c) in zip(participants, rules) {
                for reason in Self.checkHeap(heap, against: c) {
                    fits = false
                    reject(p.label, reason, heap: heap.name)
                }
            }
            if let reason = Self.checkCapacity(heap, layout: layout, count: pipeline.count, participants: participants.count) {
                fits = false
                reject(nil, reason, heap: heap.name)
            }
            if fits { viable.append((heap, heapRank)) }
        }
        viable.sort { Self.heapOrder($0.heap, $0.rank) < Self.heapOrder($1.heap, $1.rank) }

        for (index, candidate) in viable.enumerated() {
            var fallbacks: [String] = []
            for (other, _) in viable[(index + 1)...] { fallbacks.append(other.name) }
            let order = Self.heapOrder(candidate.heap, candidate.rank)
            plans.append(Plan(
                format: format, modifier: modifier, heap: candidate.heap, layout: layout, constraints: merged,
                fallbackHeaps: fallbacks,
                rank: PlanRank(
                    pipelineFormat: pipeline.formats == nil ? 0 : formatRank, devicePreference: preference,
                    heapMisses: order.misses, heapPreference: order.position, heapScarcity: order.scarcity,
                    bytes: layout.size, fourcc: format.fourcc.rawValue, modifier: modifier.rawValue,
                    heapName: candidate.heap.name
                )
            ))
        }
    }

    /// The first entry of `usage` that pairs `format` with `modifier`, and the combination's
    /// position in the usage's preference order (entries in order, modifiers in order).
    static func entry(for format: FormatInfo, _ modifier: Modifier, in usage: Usage) -> (FormatEntry, Int)? {
        var position = 0
        for entry in usage.formats {
            guard entry.format.fourcc == format.fourcc else {
                position += entry.modifiers.count
                continue
            }
            if let index = entry.modifiers.firstIndex(of: modifier) { return (entry, position + index) }
            position += entry.modifiers.count
        }
        return nil
    }

    static func checkDimensions(_ c: Constraints, _ pipeline: Pipeline) -> RejectionReason? {
        if let max = c.maxWidth, pipeline.width > max { return .tooWide(width: pipeline.width, max: max) }
        if let max = c.maxHeight, pipeline.height > max { return .tooTall(height: pipeline.height, max: max) }
        if let min = c.minWidth, pipeline.width < min { return .tooNarrow(width: pipeline.width, min: min) }
        if let min = c.minHeight, pipeline.height < min { return .tooShort(height: pipeline.height, min: min) }
        return nil
    }

    /// Every rule of `c` the heap breaks (usually none, so usually no allocation).
    static func checkHeap(_ heap: Heap, against c: Constraints) -> [RejectionReason] {
        var reasons: [RejectionReason] = []
        if c.contiguous == true && !heap.contiguous { reasons.append(.heapNotContiguous) }
        if let bits = c.addressBits, c.iommu != true, heap.addressBits > bits {
            reasons.append(.heapAddressTooWide(heapBits: heap.addressBits, deviceBits: bits))
        }
        if c.cache == .uncached && heap.cached { reasons.append(.heapCached) }
        return reasons
    }

    static func checkCapacity(_ heap: Heap, layout: ImageLayout, count: Int, participants: Int) -> RejectionReason? {
        if participants > 0 && !heap.deviceShareable { return .heapNotShareable }
        let (needed, overflow) = layout.size.multipliedReportingOverflow(by: count)
        if overflow { return .heapSizeOverflow }
        if let available = heap.free ?? heap.capacity, needed > available {
            return .heapTooSmall(needed: needed, available: available, count: count)
        }
        return nil
    }

    /// How well a heap matches the participants' `heaps:` lists: how many participants do not
    /// list it at all, then the sum of its positions in the lists that do.
    private func heapPreferenceRank(_ heap: Heap, _ participants: [Participant]) -> (misses: Int, position: Int) {
        var misses = 0
        var position = 0
        for p in participants where !p.device.heapPreference.isEmpty {
            if let index = p.device.heapPreference.firstIndex(where: heap.matches(preference:)) {
                position += index
            } else {
                misses += 1
            }
        }
        return (misses, position)
    }

    /// Preference first; among equals, the least scarce heap, so contiguous or low memory is
    /// not spent where scattered memory would do (CMA areas are small and shared).
    private static func heapOrder(_ heap: Heap, _ rank: (misses: Int, position: Int)) -> (misses: Int, position: Int, scarcity: Int) {
        let scarcity = (heap.contiguous ? 100 : 0) + (64 - heap.addressBits) + (heap.cached ? 0 : 1)
        return (rank.misses, rank.position, scarcity)
    }
}
