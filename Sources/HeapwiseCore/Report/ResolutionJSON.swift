/// The `heapwise plan --json` document (its shape is documented in the README).
extension Resolution {
    public var json: JSON {
        .object([
            ("width", .int(pipeline.width)),
            ("height", .int(pipeline.height)),
            ("count", .int(pipeline.count)),
            ("heap_catalog", .string(catalog.origin)),
            ("heap_hints", .array(heapHints.map { report in
                .object([
                    ("device", .string(report.device)), ("usage", .string(report.usage)),
                    ("heaps", .array(report.hint.heaps.map(JSON.string))), ("source", .string(report.hint.source)),
                    ("problems", .array(report.problems.map { .string($0.description) })),
                ])
            })),
            ("chosen", chosen.map(\.json) ?? .null),
            ("alternatives", .array(alternatives.map(\.json))),
            ("rejected", .array(rejected.map(\.json))),
            ("suggested_size", suggestedSize.map { .object([("width", .int($0.width)), ("height", .int($0.height))]) } ?? .null),
        ])
    }
}

extension Plan {
    public var json: JSON {
        .object([
            ("format", .string(format.name)),
            ("fourcc", .string(format.fourcc.description)),
            ("modifier", .string(modifier.name)),
            ("modifier_value", .string(Modifier.hex(modifier.rawValue))),
            ("heap", .string(heap.name)),
            ("size", .int(layout.size)),
            ("buffers", .array(layout.buffers.map { buffer in
                .object([
                    ("size", .int(buffer.size)),
                    ("planes", .array(buffer.planes.map { plane in
                        .object([
                            ("index", .int(plane.index)), ("offset", .int(plane.offset)),
                            ("stride", .int(plane.stride)), ("size", .int(plane.size)),
                        ])
                    })),
                ])
            })),
            ("fallback_heaps", .array(fallbackHeaps.map(JSON.string))),
            ("iova", .array(iovaFootprints.map { footprint in
                .object([
                    ("device", .string(footprint.device)), ("buffers", .int(footprint.buffers)),
                    ("bytes", .int(Int(clamping: footprint.bytes))), ("granule", .int(Int(clamping: footprint.granule))),
                    ("space", footprint.space.map { .int(Int(clamping: $0)) } ?? .null),
                ])
            })),
            ("notes", .array(notes.map(JSON.string))),
        ])
    }
}

extension Rejection {
    public var json: JSON {
        .object([
            ("format", JSON(format?.name)),
            ("modifier", JSON(modifier?.name)),
            ("heap", JSON(heap)),
            ("device", JSON(device)),
            ("reason", .string(reason.description)),
        ])
    }
}
