/// A pipeline as a caller describes it: the size and count of its buffers, the formats it
/// prefers, and each participant's device and usage, where a device is a profile name to look
/// up, a profile given by value (built in code, or its text), or a live device for whoever
/// makes the plan to probe (`drm:vkms`).
///
/// The one model of "what is asked": a pipeline file parses into it, a program builds it in
/// code, and the broker's wire form is derived from it and read back into it
/// (`PipelineDescription+Wire.swift`). `Pipeline`, the resolver's input, is what it becomes
/// once every device is a profile (`resolve(loadingDevicesWith:)`).
public struct PipelineDescription: Hashable, Sendable {
    /// Where a participant's rules come from.
    public enum Device: Hashable, Sendable, CustomStringConvertible {
        /// A profile name (`hantro-decoder`, looked up in the profile directories) or a
        /// profile file's path, as a pipeline file's `device:` writes it.
        case named(String)
        /// A device probed where the plan is made: in this process, or by the broker with its
        /// own access (a caller that may not open the node still gets it planned).
        case live(DeviceReference)
        /// A profile by value.
        case profile(DeviceProfile)
        /// A profile's YAML or JSON text, parsed when the pipeline is resolved.
        case profileText(String)

        /// How a pipeline file's `device:` reads: `drm:DRIVER` and `v4l2:DRIVER` are live
        /// devices, anything else a profile name or path.
        public init(reference: String) {
            self = DeviceReference(reference).map(Device.live) ?? .named(reference)
        }

        /// Profiles by value are equal only to themselves (a profile is a class, compared by
        /// identity); everything else by its text.
        public static func == (a: Device, b: Device) -> Bool {
            switch (a, b) {
            case let (.named(x), .named(y)), let (.profileText(x), .profileText(y)): x == y
            case let (.live(x), .live(y)): x == y
            case let (.profile(x), .profile(y)): x === y
            default: false
            }
        }

        public func hash(into hasher: inout Hasher) {
            switch self {
            case let .named(name): hasher.combine(0); hasher.combine(name)
            case let .live(reference): hasher.combine(1); hasher.combine(reference)
            case let .profile(profile): hasher.combine(2); hasher.combine(ObjectIdentifier(profile))
            case let .profileText(text): hasher.combine(3); hasher.combine(text)
            }
        }

        public var description: String {
            switch self {
            case let .named(name): name
            case let .live(reference): reference.description
            case let .profile(profile): profile.name
            case .profileText: "a profile's text"
            }
        }
    }

    public struct Participant: Hashable, Sendable {
        public var device: Device
        /// The name of one of the device's usages (`write`, `scanout`).
        public var usage: String
        /// Where the entry is in the file it came from, for errors found while loading its
        /// device (nil for a participant built in code).
        public var location: InputError?

        public init(device: Device, usage: String, location: InputError? = nil) {
            self.device = device
            self.usage = usage
            self.location = location
        }

        public static func == (a: Participant, b: Participant) -> Bool { a.device == b.device && a.usage == b.usage }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(device)
            hasher.combine(usage)
        }

        /// An input error about this participant: at its place in the file when it has one,
        /// else under `participants[index]`.
        public func error(_ code: InputError.Code, index: Int, _ message: String) -> InputError {
            guard var error = location else { return InputError(code, file: "participants[\(index)]", message: message) }
            error.code = code
            error.message = message
            return error
        }
    }

    public var width: Int
    public var height: Int
    public var count: Int
    /// The pipeline's format preference, nil for any format every participant shares.
    public var formats: [FormatInfo]?
    public var participants: [Participant]

    /// More participants than any real pipeline has.
    public static let maxParticipants = 16

    public init(width: Int, height: Int, count: Int = 1, formats: [FormatInfo]? = nil, participants: [Participant]) {
        self.width = width
        self.height = height
        self.count = count
        self.formats = formats
        self.participants = participants
    }

    /// The sizes and counts every path refuses alike (files are checked as they are parsed,
    /// with their line; this is for a description built in code or read from the wire).
    public func validate() throws(InputError) {
        for (name, value) in [("width", width), ("height", height)] where !(1...Pipeline.maxDimension).contains(value) {
            throw InputError(.invalidValue, message: "\(name) must be 1 to \(Pipeline.maxDimension) pixels, got \(value)")
        }
        guard (1...Pipeline.maxCount).contains(count) else {
            throw InputError(.invalidValue, message: "count must be 1 to \(Pipeline.maxCount) buffers, got \(count)")
        }
        guard !participants.isEmpty else {
            throw InputError(.missingKey, message: "a pipeline needs at least one participant (a device and its usage)")
        }
        guard participants.count <= Self.maxParticipants else {
            throw InputError(.invalidValue, message: "\(participants.count) participants; a pipeline takes at most \(Self.maxParticipants)")
        }
        if formats?.isEmpty == true {
            throw InputError(.invalidValue, file: "formats", message: "an empty format list allows nothing; give none to allow any")
        }
    }

    /// The resolver's input: each participant's profile (by value, parsed from its text, or
    /// what `load` returns for a name or a live device) with its usage looked up. Errors name
    /// the participant (`Examples/x.yaml:7:15: …`, `participants[1].profile:12:3: …`).
    public func resolve(
        loadingDevicesWith load: (Int, Participant) throws(InputError) -> DeviceProfile
    ) throws(InputError) -> Pipeline {
        try validate()
        var built: [HeapwiseCore.Participant] = []
        built.reserveCapacity(participants.count)
        for (index, participant) in participants.enumerated() {
            let device: DeviceProfile
            switch participant.device {
            case let .profile(profile): device = profile
            case let .profileText(text): device = try ProfileParser.parse(text, file: "participants[\(index)].profile")
            case .named, .live: device = try load(index, participant)
            }
            guard let usage = device.usage(named: participant.usage) else {
                throw participant.error(.unknownName, index: index,
                                        "device '\(device.name)' has no usage '\(participant.usage)'; it has: " + device.usages.map(\.name).joined(separator: ", "))
            }
            built.append(HeapwiseCore.Participant(device: device, usage: usage))
        }
        return Pipeline(width: width, height: height, count: count, formats: formats, participants: built)
    }

    /// The description as JSON in the shape of a pipeline file, which `PipelineParser` reads
    /// back (JSON is YAML's flow style): for scripts that build pipelines. A profile given by
    /// value has no place in a file; it is written as its name.
    public var json: JSON {
        .object([
            ("width", .int(width)),
            ("height", .int(height)),
            ("count", .int(count)),
            ("formats", formats.map { .array($0.map { .string($0.name) }) } ?? .null),
            ("participants", .array(participants.map { .object([("device", .string($0.device.description)), ("usage", .string($0.usage))]) })),
        ])
    }
}
