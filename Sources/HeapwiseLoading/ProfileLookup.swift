import HeapwiseCore
import HeapwiseLinux

/// Turns a pipeline's `device:` references into profiles.
///
/// `drm:DRIVER` and `v4l2:DRIVER` name live devices, probed on this machine.
/// A reference with a `/` or a `.yaml`, `.yml` or `.json` ending is a path, tried relative to
/// the pipeline file and then to the working directory. Anything else is a profile name,
/// looked up as `NAME.yaml`, then `NAME.json`, in the profile directories: those given, else
/// `Profiles/` beside the pipeline file's directory and in the working directory, then the
/// installed ones (`PREFIX/share/heapwise/profiles`, `Installation`). JSON is
/// read by the same YAML parser (JSON is YAML's flow style), so both spell the same profile.
struct ProfileLookup {
    let pipelineFile: String?
    let profileDirectories: [String]
    /// Each file and each live device is read once, however often the pipeline names it.
    private var cache: [String: DeviceProfile] = [:]

    /// - Parameter pipelineFile: the pipeline's file, which relative paths and the default
    ///   profile directories start from; nil (a pipeline built in code) starts from here.
    init(pipelineFile: String?, profileDirectories: [String]) {
        self.pipelineFile = pipelineFile
        if profileDirectories.isEmpty {
            let base = pipelineFile.map(Paths.directory(of:)) ?? ""
            self.profileDirectories = [Paths.join(base, "../Profiles"), Paths.join(base, "Profiles"), "Profiles"]
                + (Installation.profileDirectory.map { [$0] } ?? [])
        } else {
            self.profileDirectories = profileDirectories
        }
    }

    /// The profile a participant names, probed at the pipeline's size if it is a live device.
    mutating func profile(for participant: PipelineDescription.Participant, index: Int, width: Int, height: Int) throws(InputError) -> DeviceProfile {
        let reference: String
        switch participant.device {
        case let .live(live): return try probe(live, participant, index: index, width: width, height: height)
        case let .named(name): reference = name
        case let .profile(profile): return profile
        case let .profileText(text): return try ProfileParser.parse(text, file: "participants[\(index)].profile")
        }
        let candidates: [String]
        let places: String
        if reference.contains("/") || [".yaml", ".yml", ".json"].contains(where: reference.hasSuffix) {
            candidates = (pipelineFile.map { [Paths.join(Paths.directory(of: $0), reference)] } ?? []) + [reference]
            places = candidates.joined(separator: ", ")
        } else {
            candidates = profileDirectories.flatMap { [Paths.join($0, reference + ".yaml"), Paths.join($0, reference + ".json")] }
            places = "\(reference).yaml and \(reference).json in " + profileDirectories.joined(separator: ", ")
        }
        guard let path = candidates.first(where: UserFiles.exists) else {
            throw participant.error(.profileNotFound, index: index, "no profile for device '\(reference)': looked for " + places)
        }
        if let cached = cache[path] { return cached }
        let profile = try ProfileParser.parse(try UserFiles.read(path), file: path)
        cache[path] = profile
        return profile
    }

    /// A live device (`drm:vkms`, `v4l2:vivid`); one that is missing or not accessible is an
    /// input error naming the remedy.
    private mutating func probe(
        _ reference: DeviceReference, _ participant: PipelineDescription.Participant, index: Int, width: Int, height: Int
    ) throws(InputError) -> DeviceProfile {
        if let cached = cache[reference.description] { return cached }
        do {
            let profile = try ProbedDevices.profile(reference, width: width, height: height)
            cache[reference.description] = profile
            return profile
        } catch {
            throw participant.error(.deviceUnavailable, index: index, "cannot probe \(reference): \(error)")
        }
    }
}
