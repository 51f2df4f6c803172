import HeapwiseCore
import HeapwiseLinux

/// Reading what a user hands Heapwise into the model: a pipeline and every profile it
/// names, a directory of profiles, a heap catalog. The CLI, and later the broker and the C
/// API, load through here, so each finds profiles in the same places; HeapwiseCore only
/// parses text, and the files themselves are read by `UserFiles` (HeapwiseLinux's funnel).
public enum Loader {
    /// Reads a pipeline file and every profile it references (files, names looked up in
    /// `profileDirectories`, and live devices; see `ProfileLookup`), with heap hints.
    public static func pipeline(_ file: String, profileDirectories: [String] = [], hints: HeapHints? = nil) throws(InputError) -> Pipeline {
        try pipeline(try description(file: file), relativeTo: file, profileDirectories: profileDirectories, hints: hints)
    }

    /// A pipeline file as written: its devices not yet looked up.
    public static func description(file: String) throws(InputError) -> PipelineDescription {
        try PipelineParser.parse(try UserFiles.read(file), file: file)
    }

    /// The resolver's input for `description`: names looked up (relative to `file`, the
    /// pipeline file's path, when there is one), live devices probed here, profile text
    /// parsed.
    ///
    /// Each participant gets its heap hint (`HeapHint`), the first of: the device's sysfs
    /// `dma_heap` link (live devices only, `HeapLinks`); the rule `hints` has for it.
    public static func pipeline(
        _ description: PipelineDescription, relativeTo file: String? = nil, profileDirectories: [String] = [], hints: HeapHints? = nil
    ) throws(InputError) -> Pipeline {
        var lookup = ProfileLookup(pipelineFile: file, profileDirectories: profileDirectories)
        var pipeline = try description.resolve { (index, participant) throws(InputError) in
            try lookup.profile(for: participant, index: index, width: description.width, height: description.height)
        }
        for (index, participant) in description.participants.enumerated() {
            let resolved = pipeline.participants[index]
            if case let .live(reference) = participant.device, let linked = HeapLinks.heap(for: reference) {
                pipeline.participants[index].heapHint = linked
            } else {
                pipeline.participants[index].heapHint = hints?.hint(for: resolved.device, usage: resolved.usage.name)
            }
        }
        return pipeline
    }

    /// A pipeline file as the broker takes it: its description with every profile name
    /// looked up (`bindingNames`).
    public static func brokerDescription(_ file: String, profileDirectories: [String] = []) throws(InputError) -> PipelineDescription {
        try bindingNames(try description(file: file), relativeTo: file, profileDirectories: profileDirectories)
    }

    /// `description` with every profile name looked up and replaced by the profile, each
    /// checked to have the usage asked of it, and every live device named by its node probed
    /// here; live devices named by driver stay names. What the broker is
    /// sent: it takes profiles by value and never opens a path a client names.
    public static func bindingNames(
        _ description: PipelineDescription, relativeTo file: String? = nil, profileDirectories: [String] = []
    ) throws(InputError) -> PipelineDescription {
        var lookup = ProfileLookup(pipelineFile: file, profileDirectories: profileDirectories)
        var bound = description
        for (index, participant) in description.participants.enumerated() {
            switch participant.device {
            case .named: break
            case let .live(reference) where reference.node != nil: break  // probed here, by the process that holds the node
            default: continue
            }
            let profile = try lookup.profile(for: participant, index: index, width: description.width, height: description.height)
            guard profile.usage(named: participant.usage) != nil else {
                throw participant.error(.unknownName, index: index,
                                        "device '\(profile.name)' has no usage '\(participant.usage)'; it has: " + profile.usages.map(\.name).joined(separator: ", "))
            }
            bound.participants[index].device = .profile(profile)
        }
        return bound
    }

    /// The heap hints to plan with: `file` when given (it must exist), else
    /// `/etc/heapwise/heap-hints.yaml` when this machine has one, else none.
    public static func heapHints(file: String?) throws(InputError) -> HeapHints? {
        if let file { return try HeapHintsParser.parse(try UserFiles.read(file), file: file) }
        guard UserFiles.exists(Paths.systemHeapHints) else { return nil }
        return try HeapHintsParser.parse(try UserFiles.read(Paths.systemHeapHints), file: Paths.systemHeapHints)
    }

    /// Every `*.yaml` profile in `directory`, sorted by file name.
    public static func profiles(in directory: String) throws(InputError) -> [DeviceProfile] {
        let names = try UserFiles.names(in: directory, endingWith: ".yaml")
        guard !names.isEmpty else { throw InputError(.fileNotFound, file: directory, message: "no *.yaml profiles here") }
        var profiles: [DeviceProfile] = []
        for name in names {
            let path = Paths.join(directory, name)
            profiles.append(try ProfileParser.parse(try UserFiles.read(path), file: path))
        }
        return profiles
    }

    /// A heap catalog file (`--heaps`).
    public static func heapCatalog(_ file: String) throws(InputError) -> HeapCatalog {
        try HeapCatalogParser.parse(try UserFiles.read(file), file: file)
    }

    /// The heaps a plan is made against: `file` when one is given, else this machine's
    /// dma-buf heaps, else the built-in catalog of a typical board (its origin says it stands
    /// in). `live` is true only for this machine's heaps: only those can be allocated from,
    /// so `plan --allocate` falls back to CPU-only memfd buffers otherwise.
    public static func planCatalog(file: String?) throws(InputError) -> (catalog: HeapCatalog, live: Bool) {
        if let file { return (try heapCatalog(file), false) }
        if let live = HeapDiscovery.liveCatalog() { return (live, true) }
        return (HeapDiscovery.builtInCatalog(), false)
    }
}
