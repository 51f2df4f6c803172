/// The broker's wire form of a pipeline (`docs/protocol.md`), derived from the description
/// here and read back into it here, nowhere else: every profile travels by value (its YAML
/// text; the broker never opens a path a client names) and a live device by driver name (the
/// broker probes it with its own access; one named by its node is probed by the client).
extension PipelineDescription {
    /// The most bytes of one participant's profile text.
    public static let maxWireProfile = 64 << 10

    /// The `pipeline` object of a `plan` or `allocate` request. A profile name must have
    /// been looked up first (the loader's `bindingNames`): a name means nothing to the broker.
    public func wireJSON() throws(InputError) -> JSON {
        var items: [JSON] = []
        for (index, participant) in participants.enumerated() {
            let usage: (String, JSON) = ("usage", .string(participant.usage))
            switch participant.device {
            case let .profile(profile):
                items.append(.object([usage, ("profile", .string(ProfileWriter.yaml(profile))), ("live", .null)]))
            case let .profileText(text):
                items.append(.object([usage, ("profile", .string(text)), ("live", .null)]))
            case let .live(reference) where reference.node != nil:
                throw participant.error(.profileNotFound, index: index,
                                        "device '\(reference)' names a node, which the broker does not open for a client: probe it first (Loader.bindingNames)")
            case let .live(reference):
                items.append(.object([usage, ("profile", .null), ("live", .string(reference.description))]))
            case let .named(name):
                throw participant.error(.profileNotFound, index: index,
                                        "device '\(name)' is a profile name, which means nothing to the broker: look it up first (Loader.bindingNames)")
            }
        }
        return .object([
            ("width", .int(width)), ("height", .int(height)), ("count", .int(count)),
            ("formats", formats.map { .array($0.map { .string($0.name) }) } ?? .null),
            ("participants", .array(items)),
        ])
    }

    /// Reads a request's `pipeline` object strictly: profiles stay text until the pipeline is
    /// resolved (so a repeated request is recognised by its text, before any parsing), a live
    /// device must be `drm:DRIVER` or `v4l2:DRIVER`.
    public static func decodeWire(_ fields: BrokerFields) throws(BrokerProtocolError) -> PipelineDescription {
        let width = try fields.int("width", in: 1...Pipeline.maxDimension)
        let height = try fields.int("height", in: 1...Pipeline.maxDimension)
        let count = try fields.int("count", in: 1...Pipeline.maxCount)
        let formats = try fields.optionalArray("formats", maxCount: 64) { (value, path) throws(BrokerProtocolError) -> FormatInfo in
            let name = try BrokerFields.string(value, path)
            do { return try FormatInfo.parse(name) } catch {
                throw .invalidPipeline("\(path): \(error)")
            }
        }
        if formats?.isEmpty == true { throw .invalidPipeline("formats: an empty format list allows nothing; send null to allow any") }
        let participants = try fields.array("participants", maxCount: maxParticipants) { (value, path) throws(BrokerProtocolError) -> Participant in
            let item = try BrokerFields.object(value, path)
            let usage = try item.string("usage", maxLength: 64)
            let profile = try item.optionalString("profile", maxLength: maxWireProfile)
            let live = try item.optionalString("live", maxLength: 64)
            try item.done()
            switch (profile, live) {
            case let (text?, nil): return Participant(device: .profileText(text), usage: usage)
            case let (nil, name?):
                guard let reference = DeviceReference(name), reference.node == nil else {
                    throw .invalidPipeline("'\(name)' is not a live device by driver (drm:DRIVER or v4l2:DRIVER); send other devices, "
                        + "and nodes the client holds, as profile text")
                }
                return Participant(device: .live(reference), usage: usage)
            default: throw .malformed("\(path) needs exactly one of 'profile' (a profile's text) and 'live' (drm:DRIVER or v4l2:DRIVER)")
            }
        }
        guard !participants.isEmpty else { throw .malformed("pipeline.participants is empty") }
        try fields.done()
        return PipelineDescription(width: width, height: height, count: count, formats: formats, participants: participants)
    }
}
