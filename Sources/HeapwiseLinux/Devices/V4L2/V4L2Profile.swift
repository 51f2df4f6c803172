import HeapwiseCore

extension V4L2Device {
    /// This node as a Heapwise device: probes it at `width`×`height` (`probe(width:height:)`)
    /// and converts the answers (`V4L2Probe.profile(name:)`).
    public func profile(name: String, width: Int, height: Int) throws(LinuxError) -> DeviceProfile {
        try probe(width: width, height: height).profile(name: name)
    }
}

extension V4L2Probe {
    /// The probed device as a profile: each capture queue becomes usage `write` and each
    /// output queue usage `read`, with the formats `V4L2FormatMap` can name in DRM terms
    /// (the others are listed in `sources`), their frame sizes, stride and
    /// size rules from what `VIDIOC_TRY_FMT` demanded, separate buffers for multi-planar
    /// `…M` formats, and contiguity from the driver's videobuf2 allocator.
    public func profile(name: String) -> DeviceProfile {
        var notes = [
            "v4l2 \(path): driver \(capabilities.driver), card '\(capabilities.card)', bus \(capabilities.busInfo) (VIDIOC_QUERYCAP)",
        ]
        var usages: [(name: String, entries: [FormatEntry])] = []
        for queue in queues {
            let (entries, queueNotes) = convert(queue)
            notes += queueNotes
            if let index = usages.firstIndex(where: { $0.name == queue.type.usage }) {
                usages[index].entries += entries
            } else {
                usages.append((queue.type.usage, entries))
            }
        }
        let constraints = deviceConstraints(&notes)
        return DeviceProfile(
            name: name, description: "\(capabilities.card) (V4L2 \(capabilities.driver), \(capabilities.busInfo))",
            sources: notes, constraints: constraints,
            usages: usages.map { usage in
                let (shared, entries) = Self.hoistFrameSizes(usage.entries)
                return Usage(name: usage.name, constraints: shared, formats: entries)
            })
    }

    /// Contiguity from the allocator that exported the probe buffer: vmalloc and
    /// scatter-gather drivers take any pages; dma-contig needs one contiguous block unless
    /// an IOMMU maps scattered pages together for the device.
    private func deviceConstraints(_ notes: inout [String]) -> Constraints {
        var constraints = Constraints()
        if iommu { constraints.iommu = true }
        guard let exporter = queues.lazy.compactMap(\.exporter).first else {
            notes.append("allocator unknown (no MMAP buffer could be exported): contiguity not stated")
            return constraints
        }
        switch exporter {
        case "videobuf2_vmalloc":
            constraints.contiguous = false
            notes.append("VIDIOC_EXPBUF exports 'videobuf2_vmalloc': the driver works on vmalloc memory and maps imported dma-bufs with dma_buf_vmap, so any pages do (contiguous: false) but the exporter must support vmap")
        case "videobuf2_dma_sg":
            constraints.contiguous = false
            notes.append("VIDIOC_EXPBUF exports 'videobuf2_dma_sg': scatter-gather DMA, any pages do (contiguous: false)")
        case "videobuf2_dma_contig":
            constraints.contiguous = !iommu
            notes.append("VIDIOC_EXPBUF exports 'videobuf2_dma_contig': each plane must be DMA-contiguous, " +
                         (iommu ? "which the IOMMU provides from scattered pages" : "and with no IOMMU that means physically contiguous memory"))
        default:
            notes.append("VIDIOC_EXPBUF exports '\(exporter)': unknown allocator, contiguity not stated")
        }
        return constraints
    }

    private func convert(_ queue: Queue) -> (entries: [FormatEntry], notes: [String]) {
        let type = queue.type
        var notes: [String] = []
        var entries: [FormatEntry] = []
        var unmapped: [(reason: String, formats: [String])] = []
        var duplicates: [String] = []
        var tries: [String] = []
        var strideNotes: [String] = []
        for format in queue.formats {
            let code = format.pixelFormat.code
            guard let (info, separate) = V4L2FormatMap.drmFormat(forV4L2: code.rawValue) else {
                let reason = V4L2FormatMap.unmappedReason(forV4L2: code.rawValue) ?? "no DRM format in Linux 6.1's drm_format_info"
                let text = "\(V4L2PixelFormat.name(code)) (\(format.pixelFormat.name))"
                if let index = unmapped.firstIndex(where: { $0.reason == reason }) {
                    unmapped[index].formats.append(text)
                } else {
                    unmapped.append((reason, [text]))
                }
                continue
            }
            // Deprecated aliases (BGR4 for XR24) name a DRM format a second time: the first
            // entry is the one a resolver uses, so one entry per format and buffer split.
            let label = "\(info.name)" + (separate ? " (\(code), separate planes)" : "")
            if entries.contains(where: { $0.format == info && ($0.constraints.placement != nil) == separate }) {
                duplicates.append("\(V4L2PixelFormat.name(code)) is another V4L2 code for \(label)")
                continue
            }
            let (constraints, tried, strideNote) = Self.constraints(for: format, info, separate: separate, at: size, label: label)
            if let tried { tries.append("\(label) " + tried) }
            if let strideNote { strideNotes.append(strideNote) }
            entries.append(FormatEntry(format: info, modifiers: [.linear], constraints: constraints))
        }
        notes.append("\(type): VIDIOC_ENUM_FMT lists \(queue.formats.count) uncompressed formats, \(entries.count) with a DRM equivalent (V4L2FormatMap)")
        notes += unmapped.map { "\(type): left out, \($0.reason): " + $0.formats.joined(separator: ", ") }
        if !duplicates.isEmpty { notes.append("\(type): " + duplicates.joined(separator: "; ")) }
        if !tries.isEmpty { notes.append("\(type): VIDIOC_TRY_FMT \(size), bytesperline/sizeimage: " + tries.joined(separator: "; ")) }
        notes += strideNotes.map { "\(type): \($0)" }
        notes.append(strideSummary(queue))
        notes.append("\(type): " + (queue.dmabuf ? "imports dma-bufs (V4L2_MEMORY_DMABUF)" : "does NOT import dma-bufs: use its MMAP buffers through VIDIOC_EXPBUF")
                     + "; VIDIOC_REQBUFS capabilities: \(queue.bufferCapabilities)")
        let stricter = queue.formats.filter { $0.reportedFrameSizes != nil }
        if let example = stricter.first, let reported = example.reportedFrameSizes {
            let what = reported == .unreported
                ? "VIDIOC_ENUM_FRAMESIZES reports no sizes; VIDIOC_TRY_FMT clamps to"
                : "VIDIOC_ENUM_FRAMESIZES lists \(reported) but VIDIOC_TRY_FMT keeps only"
            notes.append("\(type): \(what) \(example.frameSizes) for "
                         + stricter.map { V4L2PixelFormat.name($0.pixelFormat.code) }.joined(separator: ", ")
                         + (stricter.count > 1 ? " (first shown)" : "") + "; frame_sizes follow TRY_FMT")
        }
        let sizes = Set(queue.formats.map(\.frameSizes))
        if sizes.count == 1, let only = sizes.first {
            notes.append("\(type): frame sizes (VIDIOC_ENUM_FRAMESIZES, every format): \(only)" +
                         (only.isDiscrete ? "; TRY_FMT snaps any other size to the nearest of these, so the profile lists them (frame_sizes)" : ""))
        }
        return (entries, notes)
    }

    /// Whether the driver keeps user strides decides whether another device's pitch
    /// alignment can be honoured at all.
    private func strideSummary(_ queue: Queue) -> String {
        let known = queue.formats.filter { $0.tried != nil && V4L2FormatMap.drmFormat(forV4L2: $0.pixelFormat.code.rawValue) != nil }
        let keeps = known.compactMap(\.keepsUserStride)
        if !keeps.isEmpty && keeps.allSatisfy({ $0 }) {
            return "\(queue.type): the driver keeps a larger user bytesperline (TRY_FMT), so strides aligned for other devices work (max_pitch from its clamp)"
        }
        if keeps.contains(false) {
            return "\(queue.type): the driver ignores a user bytesperline for some formats: the plan's stride must then be exactly the driver's (max_pitch pins it); a pipeline whose other devices need a wider pitch has no plan"
        }
        return "\(queue.type): whether the driver keeps a user bytesperline is unknown"
    }
}

extension V4L2FrameSizes {
    var isDiscrete: Bool {
        if case .discrete = self { return true }
        return false
    }

    /// The sizes as a profile rule; nil when the driver does not report them.
    var frameSizes: FrameSizes? {
        switch self {
        case let .discrete(sizes):
            sizes.isEmpty ? nil : .discrete(sizes.map { FrameSize(width: $0.width, height: $0.height) })
        case let .stepwise(min, max, step):
            .stepwise(min: FrameSize(width: min.width, height: min.height), max: FrameSize(width: max.width, height: max.height),
                      step: FrameSize(width: step.width, height: step.height))
        case .unreported:
            nil
        }
    }
}
