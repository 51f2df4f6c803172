import HeapwiseCore
import HeapwiseLinux

/// Turns a pipeline's `device:` references into profiles.
///
/// `drm:DRIVER` and `v4l2:DRIVER` name live devices, probed on this machine.
/// A reference with a `/` or a `.yaml` ending is a path, tried relative to the pipeline file
/// and then to the working directory. Anything else is a profile name, looked up as
/// `NAME.yaml` in the profile directories: those given with `--profiles`, else `Profiles/`
/// beside the pipeline file's directory and in the working directory.
struct DeviceLoader {
    var profileDirectories: [String]
    private var cache: [String: DeviceProfile] = [:]

    init(profileDirectories: [String], pipelineFile: String) {
        if profileDirectories.isEmpty {
            let base = Files.directory(of: pipelineFile)
            self.profileDirectories = [Files.join(base, "../Profiles"), Files.join(base, "Profiles"), "Profiles"]
        } else {
            self.profileDirectories = profileDirectories
        }
    }

    mutating func load(
        _ spec: PipelineSpec.ParticipantSpec, pipelineFile: String, width: Int, height: Int
    ) throws(InputError) -> DeviceProfile {
        let candidates: [String]
        let reference = spec.device
        if let probed = DeviceReference(reference) {
            return try probe(probed, spec, width: width, height: height)
        } else if reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml") {
            candidates = [Files.join(Files.directory(of: pipelineFile), reference), reference]
        } else {
            candidates = profileDirectories.map { Files.join($0, reference + ".yaml") }
        }
        guard let path = candidates.first(where: Files.exists) else {
            var error = spec.location
            error.message = "no profile for device '\(reference)': looked for " + candidates.joined(separator: ", ")
            throw error
        }
        if let cached = cache[path] { return cached }
        let profile = try ProfileParser.parse(try Files.read(path), file: path)
        cache[path] = profile
        return profile
    }

    /// Reads a pipeline file and every profile it references.
    static func loadPipeline(_ file: String, profileDirectories: [String]) throws(InputError) -> Pipeline {
        let spec = try PipelineParser.parse(try Files.read(file), file: file)
        var loader = DeviceLoader(profileDirectories: profileDirectories, pipelineFile: file)
        return try spec.resolve { (participant) throws(InputError) in
            try loader.load(participant, pipelineFile: file, width: spec.width, height: spec.height)
        }
    }

    /// A live device (`drm:vkms`, `v4l2:vivid`), probed once per reference at the pipeline's
    /// size; a device that is missing or not accessible is an input error naming the remedy.
    private mutating func probe(
        _ reference: DeviceReference, _ spec: PipelineSpec.ParticipantSpec, width: Int, height: Int
    ) throws(InputError) -> DeviceProfile {
        if let cached = cache[reference.description] { return cached }
        do {
            let profile = try ProbedDevices.profile(reference, width: width, height: height)
            cache[reference.description] = profile
            return profile
        } catch {
            var failure = spec.location
            failure.message = "cannot probe \(reference): \(error)"
            throw failure
        }
    }
}
