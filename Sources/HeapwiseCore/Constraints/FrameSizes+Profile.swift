/// How a profile spells frame sizes: `frame_sizes: [1280x720, 1920x1080]` (discrete) or
/// `frame_sizes: { min: 16x16, max: 4096x2160, step: 2x2 }` (stepwise; `step` defaults to 1x1,
/// V4L2's continuous range).
extension FrameSizes {
    static func parse(_ value: YAMLValue) throws(InputError) -> FrameSizes {
        if case .sequence = value.node {
            var sizes: [FrameSize] = []
            for item in try value.sequence() { sizes.append(try FrameSize.parse(item)) }
            guard !sizes.isEmpty else {
                throw value.error("an empty frame_sizes list accepts no size; omit frame_sizes to accept any")
            }
            return .discrete(sizes)
        }
        let fields = try value.fields(allowed: ["min", "max", "step"], required: ["min", "max"])
        guard let minValue = fields["min"], let maxValue = fields["max"] else {
            throw value.error(.missingKey, "a frame size range needs min and max, e.g. { min: 16x16, max: 4096x2160, step: 2x2 }")
        }
        let min = try FrameSize.parse(minValue), max = try FrameSize.parse(maxValue)
        let step = try fields["step"].map(FrameSize.parse) ?? FrameSize(width: 1, height: 1)
        guard min.width <= max.width, min.height <= max.height else {
            throw value.error("frame size range min \(min.yaml) is larger than max \(max.yaml)")
        }
        guard let sizes = FrameSizes.stepwise(min: min, max: max, step: step) else {
            throw value.error("frame size step must be positive, got \(step.yaml)")
        }
        return sizes
    }

    /// Sets real profiles use (a UVC camera's modes, a codec's macroblock-stepped range, an
    /// ISP's even sizes, a single mode) and awkward ones (co-prime steps, offset starts), for the
    /// merge-law tests: intersections of these exercise list ∩ list, list ∩ range and
    /// range ∩ range, empty results included.
    static let samples: [FrameSizes] = [
        .discrete([FrameSize(width: 320, height: 180), FrameSize(width: 640, height: 360), FrameSize(width: 640, height: 480),
                   FrameSize(width: 1280, height: 720), FrameSize(width: 1920, height: 1080)]),
        .discrete([FrameSize(width: 640, height: 480), FrameSize(width: 1280, height: 720)]),
        .discrete([FrameSize(width: 1920, height: 1080)]),
        .discrete([FrameSize(width: 48, height: 48), FrameSize(width: 176, height: 144), FrameSize(width: 1280, height: 720)]),
        FrameSizes.stepwise(min: FrameSize(width: 16, height: 16), max: FrameSize(width: 4096, height: 2160), step: FrameSize(width: 2, height: 2)),
        FrameSizes.stepwise(min: FrameSize(width: 48, height: 48), max: FrameSize(width: 1920, height: 1088), step: FrameSize(width: 16, height: 16)),
        FrameSizes.stepwise(min: FrameSize(width: 1, height: 1), max: FrameSize(width: 8192, height: 8192)),
        FrameSizes.stepwise(min: FrameSize(width: 17, height: 10), max: FrameSize(width: 2000, height: 1500), step: FrameSize(width: 3, height: 5)),
        FrameSizes.stepwise(min: FrameSize(width: 640, height: 480), max: FrameSize(width: 1920, height: 1080), step: FrameSize(width: 32, height: 8)),
    ].compactMap { $0 }
}

extension FrameSize {
    /// `1280x720`, or `{ width: 1280, height: 720 }` (how `--json` writes it): both dimensions
    /// positive and at most `Pipeline.maxDimension`, which keeps every intersection's
    /// arithmetic far inside 64 bits.
    static func parse(_ value: YAMLValue) throws(InputError) -> FrameSize {
        let size: FrameSize, text: String
        if case .mapping = value.node {
            let fields = try value.fields(allowed: ["width", "height"], required: ["width", "height"])
            guard let width = fields["width"], let height = fields["height"] else {
                throw value.error(.missingKey, "a frame size needs width and height")
            }
            size = FrameSize(width: try width.int(), height: try height.int())
            text = size.yaml
        } else {
            text = try value.string()
            guard let parsed = FrameSize(parsing: text) else {
                throw value.error("a frame size is WIDTHxHEIGHT, e.g. 1280x720, got '\(text)'")
            }
            size = parsed
        }
        guard (1...Pipeline.maxDimension).contains(size.width), (1...Pipeline.maxDimension).contains(size.height) else {
            throw value.error("frame size \(text) is out of range: each dimension is 1 to \(Pipeline.maxDimension)")
        }
        return size
    }
}
