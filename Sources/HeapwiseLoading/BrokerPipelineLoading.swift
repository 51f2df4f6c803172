import HeapwiseCore
import HeapwiseLinux

extension Loader {
    /// A pipeline file as the broker takes it, by value: each profile's text, read here from
    /// the places `pipeline(_:)` looks (the broker never opens a path a client names), and
    /// live devices (`drm:vkms`) by name, for the broker to probe with its own access.
    public static func brokerPipeline(_ file: String, profileDirectories: [String] = []) throws(InputError) -> BrokerPipeline {
        let spec = try PipelineParser.parse(try UserFiles.read(file), file: file)
        var lookup = ProfileLookup(pipelineFile: file, profileDirectories: profileDirectories)
        var participants: [BrokerPipeline.Participant] = []
        for participant in spec.participants {
            if DeviceReference(participant.device) != nil {
                participants.append(.init(device: .live(participant.device), usage: participant.usage))
            } else {
                let profile = try lookup.profile(for: participant, width: spec.width, height: spec.height)
                guard profile.usage(named: participant.usage) != nil else {
                    var error = participant.location
                    error.message = "device '\(profile.name)' has no usage '\(participant.usage)'; it has: " + profile.usages.map(\.name).joined(separator: ", ")
                    throw error
                }
                participants.append(.init(device: .profile(ProfileWriter.yaml(profile)), usage: participant.usage))
            }
        }
        return BrokerPipeline(width: spec.width, height: spec.height, count: spec.count, formats: spec.formats?.map(\.name), participants: participants)
    }
}
