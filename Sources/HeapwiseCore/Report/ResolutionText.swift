/// The readable form of a resolution, printed by `heapwise plan`.
extension Resolution {
    public func text(maxAlternatives: Int = 10) -> String {
        var out: [String] = []
        let who = pipeline.participants.map { "\($0.device.name) (\($0.usage.name))" }.joined(separator: " → ")
        out.append("Pipeline: \(pipeline.width)×\(pipeline.height), \(pipeline.count) buffer\(pipeline.count == 1 ? "" : "s"): \(who)")
        out.append("Heaps: \(catalog.origin)")
        for report in heapHints {
            out.append("Hint: \(report)")
            for problem in report.problems { out.append("  warning: the hint \(problem)") }
        }
        out.append("")
        if let chosen {
            out.append("Chosen: \(chosen.summary), \(ByteCount.format(chosen.layout.size)) per image, "
                + "\(ByteCount.format(chosen.totalBytes(count: pipeline.count))) for \(pipeline.count)")
            var table = TextTable(["buffer", "plane", "offset", "stride", "size"])
            for (index, buffer) in chosen.layout.buffers.enumerated() {
                for plane in buffer.planes {
                    table.append(["\(index)", "\(plane.index)", "\(plane.offset)", "\(plane.stride)", "\(plane.size)"])
                }
                table.append(["\(index)", "total", "", "", "\(buffer.size)"])
            }
            out.append(table.render(indent: "  "))
            out.append("  fallback heaps: " + (chosen.fallbackHeaps.isEmpty ? "none" : chosen.fallbackHeaps.joined(separator: ", ")))
            for footprint in chosen.iovaFootprints { out.append("  IOVA: \(footprint.device): \(footprint)") }
            for note in chosen.notes { out.append("  note: \(note)") }
        } else {
            out.append("No plan satisfies this pipeline.")
            if let size = suggestedSize {
                out.append("try \(size): the nearest size at which every participant agrees on a plan")
            }
        }
        if !alternatives.isEmpty {
            out.append("")
            out.append("Alternatives (\(alternatives.count), best first):")
            var table = TextTable(["#", "format", "modifier", "heap", "size"])
            for (index, plan) in alternatives.prefix(maxAlternatives).enumerated() {
                table.append(["\(index + 1)", plan.format.name, plan.modifier.name, plan.heap.name, "\(plan.layout.size)"])
            }
            out.append(table.render(indent: "  "))
            if alternatives.count > maxAlternatives {
                out.append("  … \(alternatives.count - maxAlternatives) more (see --json)")
            }
        }
        if !rejected.isEmpty {
            out.append("")
            out.append("Rejected (\(rejected.count)):")
            for rejection in rejected { out.append("  " + rejection.description) }
        }
        return out.joined(separator: "\n")
    }
}

extension Plan {
    /// `NV12 (NV12) LINEAR on heap reserved`.
    public var summary: String {
        "\(format.name) ('\(format.fourcc)') \(modifier.name) on heap \(heap.name)"
    }
}
