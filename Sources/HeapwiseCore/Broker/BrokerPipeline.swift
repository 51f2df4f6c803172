/// A pipeline sent to the broker by value: each participant is a device profile's text (the
/// YAML of a profile file, as the client read it) or a live device the broker probes itself
/// (`drm:vkms`, `v4l2:vivid`, by driver name). The broker never opens a path a client names.
public struct BrokerPipeline: Hashable, Sendable {
    public struct Participant: Hashable, Sendable {
        public enum Device: Hashable, Sendable {
            /// A profile's YAML (or JSON) text.
            case profile(String)
            /// `drm:DRIVER` or `v4l2:DRIVER`, probed by the broker.
            case live(String)
        }

        public var device: Device
        public var usage: String

        public init(device: Device, usage: String) {
            self.device = device
            self.usage = usage
        }
    }

    public var width: Int
    public var height: Int
    public var count: Int
    /// The pipeline's format preference (`drm_fourcc.h` names), nil for any.
    public var formats: [String]?
    public var participants: [Participant]

    /// More participants than any real pipeline has; each is a profile of at most `maxProfile` bytes.
    public static let maxParticipants = 16
    public static let maxProfile = 64 << 10

    public init(width: Int, height: Int, count: Int, formats: [String]?, participants: [Participant]) {
        self.width = width
        self.height = height
        self.count = count
        self.formats = formats
        self.participants = participants
    }

    public var json: JSON {
        .object([
            ("width", .int(width)), ("height", .int(height)), ("count", .int(count)),
            ("formats", formats.map { .array($0.map(JSON.string)) } ?? .null),
            ("participants", .array(participants.map { participant in
                switch participant.device {
                case let .profile(text): .object([("usage", .string(participant.usage)), ("profile", .string(text)), ("live", .null)])
                case let .live(reference): .object([("usage", .string(participant.usage)), ("profile", .null), ("live", .string(reference))])
                }
            })),
        ])
    }

    public static func decode(_ fields: BrokerFields) throws(BrokerProtocolError) -> BrokerPipeline {
        let width = try fields.int("width", in: 1...Pipeline.maxDimension)
        let height = try fields.int("height", in: 1...Pipeline.maxDimension)
        let count = try fields.int("count", in: 1...Pipeline.maxCount)
        let formats = try fields.optionalArray("formats", maxCount: 64) { (value, path) throws(BrokerProtocolError) in
            try BrokerFields.string(value, path)
        }
        let participants = try fields.array("participants", maxCount: maxParticipants) { (value, path) throws(BrokerProtocolError) -> Participant in
            let item = try BrokerFields.object(value, path)
            let usage = try item.string("usage", maxLength: 64)
            let profile = try item.optionalString("profile", maxLength: maxProfile)
            let live = try item.optionalString("live", maxLength: 64)
            try item.done()
            switch (profile, live) {
            case let (text?, nil): return Participant(device: .profile(text), usage: usage)
            case let (nil, reference?): return Participant(device: .live(reference), usage: usage)
            default: throw .malformed("\(path) needs exactly one of 'profile' (a profile's text) and 'live' (drm:DRIVER or v4l2:DRIVER)")
            }
        }
        guard !participants.isEmpty else { throw .malformed("pipeline.participants is empty") }
        try fields.done()
        return BrokerPipeline(width: width, height: height, count: count, formats: formats, participants: participants)
    }
}

extension BrokerPipeline {
    /// The pipeline the broker resolves: each participant's profile parsed from its text (or
    /// probed, for a live device, by `load`), its usage looked up, the formats by name. Errors
    /// name the participant (`participants[1].profile:12:3: …`).
    public func pipeline(loading load: (Int, String) throws(InputError) -> DeviceProfile) throws(InputError) -> Pipeline {
        var built: [HeapwiseCore.Participant] = []
        for (index, participant) in participants.enumerated() {
            let device: DeviceProfile
            switch participant.device {
            case let .profile(text): device = try ProfileParser.parse(text, file: "participants[\(index)].profile")
            case let .live(reference): device = try load(index, reference)
            }
            guard let usage = device.usage(named: participant.usage) else {
                throw InputError(.unknownName, file: "participants[\(index)]",
                                 message: "device '\(device.name)' has no usage '\(participant.usage)'; it has: \(device.usages.map(\.name).joined(separator: ", "))")
            }
            built.append(HeapwiseCore.Participant(device: device, usage: usage))
        }
        var formatInfos: [FormatInfo]?
        if let formats {
            var list: [FormatInfo] = []
            for name in formats {
                do { list.append(try FormatInfo.parse(name)) } catch {
                    throw InputError(.unknownName, file: "formats", message: "\(error)")
                }
            }
            guard !list.isEmpty else { throw InputError(.invalidValue, file: "formats", message: "an empty format list allows nothing; send null to allow any") }
            formatInfos = list
        }
        return Pipeline(width: width, height: height, count: count, formats: formatInfos, participants: built)
    }
}
