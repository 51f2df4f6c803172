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
        let findings = findings(pipeline)
        return Resolution(
            pipeline: pipeline, catalog: catalog, chosen: findings.plans.first,
            alternatives: Array(findings.plans.dropFirst()), rejected: findings.rejected,
            suggestedSize: findings.plans.isEmpty ? suggestedSize(for: pipeline, rejected: findings.rejected) : nil,
            heapHints: hintReports(pipeline)
        )
    }

    /// Each participant's hint, with every heap it names that the catalog lacks or that breaks
    /// the device's own rules (its device-wide rules refined by the usage).
    func hintReports(_ pipeline: Pipeline) -> [HeapHintReport] {
        pipeline.participants.compactMap { p in
            guard let hint = p.heapHint else { return nil }
            let rules = p.device.constraints.overriding(with: p.usage.constraints)
            let problems = hint.heaps.compactMap { name -> HeapHintReport.Problem? in
                let matching = catalog.heaps.filter { $0.matches(preference: name) }
                guard !matching.isEmpty else { return .unknownHeap(name, catalog: catalog.heaps.map(\.name)) }
                let reasons = matching.map { Self.checkHeap($0, against: rules) }
                return reasons.allSatisfy({ !$0.isEmpty }) ? .cannotServe(name, reasons: reasons[0]) : nil
            }
            return HeapHintReport(device: p.label, usage: p.usage.name, hint: hint, problems: problems)
        }
    }

    /// Whether the pipeline has any plan at all (what a size suggestion is checked with).
    func hasPlan(_ pipeline: Pipeline) -> Bool { !findings(pipeline).plans.isEmpty }

    /// Every plan, best first, and every rejection.
    private func findings(_ pipeline: Pipeline) -> Findings {
        var findings = Findings()
        findings.plans.reserveCapacity(8)
        findings.rejected.reserveCapacity(32)
        let participants = pipeline.participants
        let context = Context(
            pipeline: pipeline,
            // Device-wide rules refined by the usage: the same for every candidate, so merged once.
            usageRules: participants.map { $0.device.constraints.overriding(with: $0.usage.constraints) },
            heapRanks: catalog.heaps.map { heapPreferenceRank($0, participants) },
            someExporterRemaps: catalog.heaps.contains(where: \.exporterRemaps)
        )

        for (formatRank, format) in candidateFormats(pipeline).enumerated() {
            // Which participants accept the format at all.
            var accepting = true
            for p in participants where !p.usage.accepts(format.fourcc) {
                accepting = false
                findings.rejected.append(Rejection(
                    format: format, modifier: nil, heap: nil, device: p.label,
                    reason: .formatNotSupported(usage: p.usage.name, accepted: p.usage.acceptedFormats)
                ))
            }
            guard accepting else { continue }

            let loss = Self.precisionLoss(format, participants)
            for modifier in candidateModifiers(format, participants) {
                evaluate(format, modifier, formatRank: formatRank, precisionLoss: loss, context, &findings)
            }
        }
        findings.plans.sort { $0.rank < $1.rank }
        return findings
    }

    /// The pipeline's own list, else every format any participant names, in participant order.
    /// (Lists are a few dozen entries: a linear search beats hashing here.)
    func candidateFormats(_ pipeline: Pipeline) -> [FormatInfo] {
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

    /// What stays the same for every candidate of one `resolve` call.
    private struct Context {
        let pipeline: Pipeline
        /// Each participant's device-wide rules refined by its usage.
        let usageRules: [Constraints]
        /// Each catalog heap's rank in the participants' `heaps:` lists.
        let heapRanks: [HeapOrder]
        /// Whether a catalog heap maps buffers for its importers (then an importer's own
        /// address space is checked per heap, not once per layout).
        let someExporterRemaps: Bool
        var participants: [Participant] { pipeline.participants }
    }

    /// What a `resolve` call has found so far: every plan and every rejection, shared by all
    /// candidates so that evaluating one allocates nothing of its own.
    private struct Findings {
        var plans: [Plan] = []
        var rejected: [Rejection] = []
    }

    /// One format × modifier combination under evaluation, and where its findings go.
    private struct Candidate {
        let format: FormatInfo
        let modifier: Modifier
        let formatRank: Int

        func reject(_ device: String?, _ reason: RejectionReason, heap: String? = nil, in findings: inout Findings) {
            findings.rejected.append(Rejection(format: format, modifier: modifier, heap: heap, device: device, reason: reason))
        }
    }

    /// Evaluates one combination in four steps, each of which can turn it down: every
    /// participant's own rules for it, their merge, the layout under the merged rules, and the
    /// heaps that satisfy every participant. Adds a plan per viable heap, and every rejection
    /// on the way, to `findings`.
    private func evaluate(
        _ format: FormatInfo, _ modifier: Modifier, formatRank: Int, precisionLoss: Int, _ context: Context, _ findings: inout Findings
    ) {
        let candidate = Candidate(format: format, modifier: modifier, formatRank: formatRank)
        guard let (rules, preference) = participantRules(candidate, context, &findings),
              let merged = merge(rules, candidate, &findings),
              let layout = layout(merged, candidate, context, &findings),
              pitchFits(layout, rules: rules, merged: merged, candidate, context, &findings),
              let footprints = addressSpacesFit(layout, rules: rules, candidate, context, &findings)
        else { return }
        let heaps = viableHeaps(layout, rules: rules, footprints: footprints, candidate, context, &findings)
        for (index, heap) in heaps.enumerated() {
            findings.plans.append(Plan(
                format: format, modifier: modifier, heap: heap.heap, layout: layout, constraints: merged,
                fallbackHeaps: heaps[(index + 1)...].map(\.heap.name), iovaFootprints: heap.heap.exporterRemaps ? [] : footprints,
                rank: PlanRank(
                    pipelineFormat: context.pipeline.formats == nil ? 0 : formatRank,
                    precisionLoss: precisionLoss,
                    bitsPerPixel: format.bitsPerPixelTimes16, modifierClass: modifier.layoutClass.rawValue,
                    consumerPreference: preference.consumer, producerPreference: preference.producer, otherPreference: preference.other,
                    hintMisses: heap.order.hintMisses, hintPreference: heap.order.hintPosition,
                    heapMisses: heap.order.misses, heapPreference: heap.order.position, heapScarcity: heap.order.scarcity,
                    heapInterface: heap.order.interface, bytes: layout.size, fourcc: format.fourcc.rawValue, modifier: modifier.rawValue,
                    heapName: heap.heap.name
                )
            ))
        }
    }

    /// Step 1: each participant's rules for the combination (its usage's, refined by the
    /// format entry's) and the sums of their preference positions, consumers', producers'
    /// and role-less usages' apart; nil when a participant lacks the modifier or the size
    /// breaks its limits. Every participant is checked, so every objection is reported.
    private func participantRules(_ candidate: Candidate, _ context: Context, _ findings: inout Findings) -> (rules: [Constraints], preference: Preference)? {
        var rules: [Constraints] = []
        rules.reserveCapacity(context.participants.count)
        var preference = Preference()
        var failed = false
        for (p, usageRule) in zip(context.participants, context.usageRules) {
            guard let (entry, position) = Self.entry(for: candidate.format, candidate.modifier, in: p.usage) else {
                failed = true
                candidate.reject(p.label, .modifierNotSupported(usage: p.usage.name, accepted: p.usage.modifiers(for: candidate.format.fourcc)), in: &findings)
                continue
            }
            switch p.usage.role {
            case .consumer?: preference.consumer += position
            case .producer?: preference.producer += position
            case nil: preference.other += position
            }
            var c = usageRule
            c.override(with: entry.constraints)
            if let reason = Self.checkDimensions(c, context.pipeline, role: p.usage.role) {
                failed = true
                candidate.reject(p.label, reason, in: &findings)
            }
            rules.append(c)
        }
        return failed ? nil : (rules, preference)
    }

    /// Where a combination sits in the participants' own preference orders, by role.
    private struct Preference {
        var consumer = 0, producer = 0, other = 0
    }

    /// What `format` does to the producers' native precision (their first-listed format's):
    /// 2 for each producer whose bits, chroma or alpha it loses, and 1 for each whose image
    /// has no alpha where `format` has one. An alpha channel the producer does not fill holds
    /// whatever it leaves there (vivid writes its `alpha_component` control, 0 by default,
    /// which a blending plane shows as transparent), so for a YUYV camera XRGB8888 ranks
    /// before ARGB8888 even where the display lists ARGB8888 first (6.12's vkms does).
    static func precisionLoss(_ format: FormatInfo, _ participants: [Participant]) -> Int {
        var loss = 0
        for p in participants where p.usage.role == .producer {
            guard let native = p.usage.formats.first?.format.precision else { continue }
            if !format.precision.keeps(native) {
                loss += 2
            } else if format.precision.hasAlpha && !native.hasAlpha {
                loss += 1
            }
        }
        return loss
    }

    /// Step 2: the rules one shared buffer must follow; nil when they cannot be combined
    /// (an alignment overflow).
    private func merge(_ rules: [Constraints], _ candidate: Candidate, _ findings: inout Findings) -> Constraints? {
        do {
            var merged = Constraints()
            for c in rules { try merged.merge(with: c) }
            return merged
        } catch {
            candidate.reject(nil, .mergeFailed(error), in: &findings)
            return nil
        }
    }

    /// Step 3: planes, strides and sizes under the merged rules.
    private func layout(_ merged: Constraints, _ candidate: Candidate, _ context: Context, _ findings: inout Findings) -> ImageLayout? {
        do {
            return try LayoutCalculator.layout(
                format: candidate.format, modifier: candidate.modifier, width: context.pipeline.width,
                height: context.pipeline.height, constraints: merged
            )
        } catch {
            candidate.reject(nil, .layoutFailed(error), in: &findings)
            return nil
        }
    }

    /// Step 3b: the widest stride the layout needs is one every participant can program.
    private func pitchFits(
        _ layout: ImageLayout, rules: [Constraints], merged: Constraints, _ candidate: Candidate, _ context: Context,
        _ findings: inout Findings
    ) -> Bool {
        var fits = true
        for (p, c) in zip(context.participants, rules) {
            if let maxPitch = c.maxPitch, layout.maxStride > maxPitch {
                fits = false
                candidate.reject(p.label, .pitchTooLarge(stride: layout.maxStride, max: maxPitch, pitchAlignment: merged.pitchAlignment ?? 1), in: &findings)
            }
        }
        return fits
    }

    /// Step 3c: every buffer of the pipeline can be mapped at once in each IOMMU-backed
    /// device's own address space; the footprints, or nil when one cannot. Where a catalog
    /// heap's exporter maps for its importers, a footprint too big for its device is kept
    /// and turns down only the heaps whose importers map the pages themselves (step 4).
    private func addressSpacesFit(
        _ layout: ImageLayout, rules: [Constraints], _ candidate: Candidate, _ context: Context, _ findings: inout Findings
    ) -> [IOVAFootprint]? {
        var footprints: [IOVAFootprint] = []
        var fits = true
        for (p, c) in zip(context.participants, rules) {
            guard let footprint = IOVAFootprint.of(layout, count: context.pipeline.count, device: p.label, rules: c) else { continue }
            if !footprint.fits && !context.someExporterRemaps {
                fits = false
                candidate.reject(p.label, .addressSpaceTooSmall(footprint), in: &findings)
            }
            footprints.append(footprint)
        }
        return fits ? footprints : nil
    }

    /// Step 4: the catalog heaps that satisfy every participant and hold the buffers, best
    /// first (preference, then the least scarce).
    private func viableHeaps(
        _ layout: ImageLayout, rules: [Constraints], footprints: [IOVAFootprint], _ candidate: Candidate, _ context: Context,
        _ findings: inout Findings
    ) -> [(heap: Heap, order: HeapOrder)] {
        var viable: [(heap: Heap, order: HeapOrder)] = []
        for (heap, heapRank) in zip(catalog.heaps, context.heapRanks) {
            var fits = true
            for (p, c) in zip(context.participants, rules) {
                for reason in Self.checkHeap(heap, against: c) {
                    fits = false
                    candidate.reject(p.label, reason, heap: heap.name, in: &findings)
                }
            }
            if !heap.exporterRemaps {
                for footprint in footprints where !footprint.fits {
                    fits = false
                    candidate.reject(footprint.device, .addressSpaceTooSmall(footprint), heap: heap.name, in: &findings)
                }
            }
            if let reason = Self.checkCapacity(heap, layout: layout, count: context.pipeline.count, participants: context.participants.count) {
                fits = false
                candidate.reject(nil, reason, heap: heap.name, in: &findings)
            }
            if fits { viable.append((heap, heapRank)) }
        }
        viable.sort { $0.order < $1.order }
        return viable
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

    static func checkDimensions(_ c: Constraints, _ pipeline: Pipeline, role: UsageRole?) -> RejectionReason? {
        if let max = c.maxWidth, pipeline.width > max { return .tooWide(width: pipeline.width, max: max) }
        if let max = c.maxHeight, pipeline.height > max { return .tooTall(height: pipeline.height, max: max) }
        if let min = c.minWidth, pipeline.width < min { return .tooNarrow(width: pipeline.width, min: min) }
        if let min = c.minHeight, pipeline.height < min { return .tooShort(height: pipeline.height, min: min) }
        if let sizes = c.frameSizes {
            let size = FrameSize(width: pipeline.width, height: pipeline.height)
            if !sizes.contains(size) { return .notAFrameSize(size, sizes: sizes, role: role) }
        }
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
        if c.iommu == true && !heap.structPages && !heap.exporterRemaps { reasons.append(.heapPagesNotMappable) }
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

    /// How well a heap matches the participants' hints and `heaps:` lists (each: how many
    /// participants with one do not name it, then the sum of its positions where they do),
    /// and its scarcity.
    private func heapPreferenceRank(_ heap: Heap, _ participants: [Participant]) -> HeapOrder {
        var hints = (misses: 0, position: 0), profiles = (misses: 0, position: 0)
        for p in participants {
            if let hint = p.heapHint, !hint.heaps.isEmpty {
                if let index = hint.heaps.firstIndex(where: heap.matches(preference:)) { hints.position += index } else { hints.misses += 1 }
            }
            let listed = p.device.heapPreference
            if !listed.isEmpty {
                if let index = listed.firstIndex(where: heap.matches(preference:)) { profiles.position += index } else { profiles.misses += 1 }
            }
        }
        // Among equals, the least scarce heap, so contiguous or low memory is not spent where
        // scattered memory would do (CMA areas are small and shared).
        let scarcity = (heap.contiguous ? 100 : 0) + (64 - heap.addressBits) + (heap.cached ? 0 : 1)
        return HeapOrder(hintMisses: hints.misses, hintPosition: hints.position, misses: profiles.misses,
                         position: profiles.position, scarcity: scarcity, interface: heap.isION ? 1 : 0)
    }
}

/// A heap's place in one resolve's order: hints first (board knowledge, `HeapHint`), then the
/// profiles' `heaps:` lists, then scarcity, then a dma-buf heap before an ION heap
/// (`Heap.ionHeapID` says why).
struct HeapOrder: Comparable {
    var hintMisses: Int
    var hintPosition: Int
    var misses: Int
    var position: Int
    var scarcity: Int
    var interface: Int

    static func < (a: Self, b: Self) -> Bool {
        (a.hintMisses, a.hintPosition, a.misses, a.position, a.scarcity, a.interface)
            < (b.hintMisses, b.hintPosition, b.misses, b.position, b.scarcity, b.interface)
    }
}
