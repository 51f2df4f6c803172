import HeapwiseCore

extension V4L2Format {
    /// The V4L2 format that describes a Heapwise plan's buffers: the V4L2 code for the plan's
    /// DRM format (the multi-planar `…M` code when its planes are separate buffers) and each
    /// plane's stride as `bytesperline`, so the driver writes exactly the layout Heapwise
    /// allocated. Nil when V4L2 has no code for the format, or the plan is tiled (V4L2 has no
    /// modifiers).
    public init?(plan: Plan, type: V4L2BufferType, width: Int, height: Int) {
        guard plan.modifier == .linear || plan.modifier.isImplicit else { return nil }
        let separate = plan.layout.buffers.count > 1
        guard let code = V4L2FormatMap.v4l2Format(forDRM: plan.format.fourcc, separateBuffers: separate) else { return nil }
        let planes = plan.layout.buffers.flatMap(\.planes)
        self.init(
            type: type, width: width, height: height, pixelFormat: FourCC(rawValue: code),
            // Single-buffer V4L2 formats carry one bytesperline for all planes.
            planes: separate
                ? planes.map { V4L2PlaneFormat(bytesPerLine: $0.stride, sizeImage: $0.size) }
                : [V4L2PlaneFormat(bytesPerLine: planes.first?.stride ?? 0, sizeImage: plan.layout.buffers.first?.size ?? 0)]
        )
    }
}
