import HeapwiseCore

extension V4L2Probe {
    /// The rules of one mapped format, from its frame sizes (`frame_sizes`, exactly as
    /// `VIDIOC_ENUM_FRAMESIZES` lists them) and what `VIDIOC_TRY_FMT`
    /// demanded, compared with the layout Heapwise would compute without them (the kernel's
    /// `drm_format_info_min_pitch`):
    /// - a `bytesperline` above the minimum pitch becomes the `pitch_alignment` that
    ///   reproduces it; equal to it means no alignment rule;
    /// - a driver that ignores user strides gets `max_pitch` = its stride (an exact pitch);
    ///   one that keeps them gets `max_pitch` = the largest it accepts (both scaled to the
    ///   widest plane, for formats whose chroma lines are longer than luma's, like NV24);
    /// - a `sizeimage` larger than the layout becomes `padding_bytes` for one-plane and
    ///   separate-buffer formats, and a note otherwise (padding would move the chroma offset
    ///   V4L2 fixes).
    /// Returns the rules, the TRY_FMT result as text, and a note when something disagrees.
    static func constraints(
        for format: Format, _ info: FormatInfo, separate: Bool, at size: V4L2Size, label: String
    ) -> (Constraints, tried: String?, note: String?) {
        var c = Constraints()
        if separate {
            c.placement = PlanePlacement(labels: Dictionary(uniqueKeysWithValues: (0..<info.planes).map { ($0, "plane\($0)") }))
        }
        c.frameSizes = format.frameSizes.frameSizes
        guard let tried = format.tried, let first = tried.planes.first else { return (c, nil, nil) }
        var text = tried.planes.map { "\($0.bytesPerLine)/\($0.sizeImage)" }.joined(separator: " + ")
        if tried.width != size.width || tried.height != size.height { text += " (snapped to \(tried.width)x\(tried.height))" }

        let plain = Constraints(placement: c.placement)
        guard let natural = try? LayoutCalculator.layout(format: info, modifier: .linear, width: tried.width, height: tried.height, constraints: plain),
              let minimum = natural.buffers.first?.planes.first?.stride
        else { return (c, text, "\(label): Heapwise cannot lay out \(tried.width)x\(tried.height)") }
        var note: String?
        if first.bytesPerLine > minimum {
            c.pitchAlignment = alignment(from: minimum, to: first.bytesPerLine)
        } else if first.bytesPerLine < minimum {
            note = "\(label): the driver's bytesperline \(first.bytesPerLine) is below the DRM minimum pitch \(minimum): the format map and the driver disagree"
        }
        // `bytesperline` is the first plane's; V4L2 derives the others' from it (NV24's chroma
        // line is twice as long), so the pin or clamp scales to the widest plane Heapwise lays
        // out, which is what `max_pitch` is checked against.
        let widest = (try? LayoutCalculator.layout(format: info, modifier: .linear, width: tried.width, height: tried.height, constraints: c))
            .map { layout in (layout.maxStride, layout.buffers.first?.planes.first?.stride ?? first.bytesPerLine) }
        func scaled(_ bytesPerLine: Int) -> Int {
            guard let (maxStride, firstStride) = widest, firstStride > 0, maxStride > firstStride else { return bytesPerLine }
            return bytesPerLine * maxStride / firstStride
        }
        switch format.keepsUserStride {
        case false?: c.maxPitch = scaled(first.bytesPerLine)
        case true?: c.maxPitch = format.maxBytesPerLine.map(scaled)
        case nil: break
        }

        guard let layout = try? LayoutCalculator.layout(format: info, modifier: .linear, width: tried.width, height: tried.height, constraints: c)
        else { return (c, text, note) }
        guard layout.buffers.count == tried.planes.count else {
            return (c, text, "\(label): Heapwise lays out \(layout.buffers.count) buffers where the driver has \(tried.planes.count) memory planes")
        }
        for (index, (buffer, plane)) in zip(layout.buffers, tried.planes).enumerated() where buffer.size < plane.sizeImage {
            // Padding follows every plane; harmless when each plane has its own buffer (vivid's
            // NV16M puts a 128-byte data_offset before luma), wrong when it would move chroma.
            if info.planes == 1 || separate {
                c.paddingBytes = max(c.paddingBytes ?? 0, plane.sizeImage - buffer.size)
            } else {
                note = "\(label): buffer \(index) lays out to \(buffer.size) bytes but the driver wants sizeimage \(plane.sizeImage): allocate at least that"
            }
        }
        return (c, text, note)
    }

    /// The smallest power of two that rounds `natural` up to exactly `actual`; when none
    /// does, `actual` itself, which rounds any stride up to `actual` to exactly `actual`.
    static func alignment(from natural: Int, to actual: Int) -> Int {
        var candidate = 2
        while candidate <= actual {
            if (natural + candidate - 1) / candidate * candidate == actual { return candidate }
            candidate *= 2
        }
        return actual
    }

    /// Moves frame sizes every entry shares up to the usage, so a profile says once what
    /// holds for the whole queue (the most specific rule still wins).
    static func hoistFrameSizes(_ entries: [FormatEntry]) -> (Constraints, [FormatEntry]) {
        guard let first = entries.first?.constraints.frameSizes,
              entries.allSatisfy({ $0.constraints.frameSizes == first })
        else { return (Constraints(), entries) }
        let stripped = entries.map { entry in
            var c = entry.constraints
            c.frameSizes = nil
            return FormatEntry(format: entry.format, modifiers: entry.modifiers, constraints: c)
        }
        return (Constraints(frameSizes: first), stripped)
    }
}
