/// A pipeline as JSON in the shape of a pipeline file, which `PipelineParser` reads back (JSON
/// is YAML's flow style): for scripts that build pipelines, and for sending one by value.
extension PipelineSpec {
    public var json: JSON {
        .object([
            ("width", .int(width)),
            ("height", .int(height)),
            ("count", .int(count)),
            ("formats", formats.map { .array($0.map { .string($0.name) }) } ?? .null),
            ("participants", .array(participants.map { .object([("device", .string($0.device)), ("usage", .string($0.usage))]) })),
        ])
    }
}
