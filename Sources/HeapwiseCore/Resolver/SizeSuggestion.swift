/// The size to suggest when a pipeline's size is one a device does not produce or accept.
///
/// A V4L2 driver given such a size snaps it to the nearest it supports
/// (`v4l2_find_nearest_size`), so the helpful answer is that size, checked: the nearest
/// size, by the kernel's measure, at which the whole pipeline has a plan. Candidates are the
/// sizes every participant lists for a format (the intersection of their `frame_sizes`),
/// nearest first; each is confirmed by resolving the pipeline at that size, so a suggestion
/// is never a size some other rule then refuses.
extension Resolver {
    /// How many candidate sizes are tried; each costs one resolve.
    static let suggestionAttempts = 24

    func suggestedSize(for pipeline: Pipeline, rejected: [Rejection]) -> FrameSize? {
        guard rejected.contains(where: \.reason.isFrameSizeRefusal) else { return nil }
        let wanted = FrameSize(width: pipeline.width, height: pipeline.height)
        var candidates: Set<FrameSize> = []
        for format in candidateFormats(pipeline) {
            var shared: FrameSizes?
            for p in pipeline.participants {
                guard let sizes = Self.frameSizes(of: p, for: format) else { continue }
                shared = shared.map { $0.intersection(sizes) } ?? sizes
            }
            if let shared { candidates.formUnion(shared.nearest(to: wanted)) }
        }
        let ordered = candidates.filter { $0 != wanted }.sorted { ($0.distance(to: wanted), $0) < ($1.distance(to: wanted), $1) }
        for size in ordered.prefix(Self.suggestionAttempts) {
            var resized = pipeline
            resized.width = size.width
            resized.height = size.height
            if hasPlan(resized) { return size }
        }
        return nil
    }

    /// The participant's frame sizes for `format`: its first entry for the format refines the
    /// usage, which refines the device.
    private static func frameSizes(of participant: Participant, for format: FormatInfo) -> FrameSizes? {
        let entry = participant.usage.formats.first { $0.format.fourcc == format.fourcc }
        return entry?.constraints.frameSizes ?? participant.usage.constraints.frameSizes ?? participant.device.constraints.frameSizes
    }
}

extension RejectionReason {
    var isFrameSizeRefusal: Bool {
        if case .notAFrameSize = self { return true }
        return false
    }
}
