/// Reads pipeline files (the format is documented in the README).
public enum PipelineParser {
    static let keys = ["name", "description", "width", "height", "count", "formats", "participants"]
    static let participantKeys = ["device", "usage"]

    public static func parse(_ text: String, file: String? = nil) throws(InputError) -> PipelineDescription {
        let root = try YAMLValue.parse(text, file: file)
        let fields = try root.fields(allowed: keys, required: ["width", "height", "participants"])
        guard let widthValue = fields["width"], let heightValue = fields["height"],
              let participantsValue = fields["participants"]
        else { throw root.error(.missingKey, "width, height and participants are required") }

        let width = try dimension(widthValue, "width")
        let height = try dimension(heightValue, "height")
        var count = 1
        if let countValue = fields["count"] {
            count = try countValue.int()
            guard (1...Pipeline.maxCount).contains(count) else {
                throw countValue.error("count must be 1 to \(Pipeline.maxCount) buffers, got \(count)")
            }
        }
        var formats: [FormatInfo]?
        if let formatsValue = fields["formats"] {
            var list: [FormatInfo] = []
            for item in try formatsValue.sequence() { list.append(try ProfileParser.parseFormat(item)) }
            guard !list.isEmpty else { throw formatsValue.error("an empty format list allows nothing; omit 'formats' to allow any") }
            formats = list
        }
        var participants: [PipelineDescription.Participant] = []
        for item in try participantsValue.sequence() {
            let entry = try item.fields(allowed: participantKeys, required: ["device", "usage"])
            guard let device = entry["device"], let usage = entry["usage"] else {
                throw item.error(.missingKey, "a participant needs 'device' and 'usage'")
            }
            participants.append(.init(device: .init(reference: try device.string()), usage: try usage.string(), location: device.error("")))
        }
        guard !participants.isEmpty else {
            throw participantsValue.error("a pipeline needs at least one participant (a device and its usage)")
        }
        return PipelineDescription(width: width, height: height, count: count, formats: formats, participants: participants)
    }

    private static func dimension(_ value: YAMLValue, _ name: String) throws(InputError) -> Int {
        let number = try value.int()
        guard number > 0 else { throw value.error("\(name) must be at least 1 pixel, got \(number)") }
        guard number <= Pipeline.maxDimension else {
            throw value.error("\(name) \(number) is beyond \(Pipeline.maxDimension) pixels; no DRM or V4L2 device handles that")
        }
        return number
    }
}
