import HeapwiseCore

/// Reading what a user hands Heapwise into the model: a pipeline and every profile it
/// names, a directory of profiles, a heap catalog. The CLI, and later the broker and the C
/// API, load through here; HeapwiseCore only parses text.
public enum Loader {
    /// Reads a pipeline file and every profile it references (files, names looked up in
    /// `profileDirectories`, and live devices; see `ProfileLookup`).
    public static func pipeline(_ file: String, profileDirectories: [String] = []) throws(InputError) -> Pipeline {
        let spec = try PipelineParser.parse(try UserFiles.read(file), file: file)
        var lookup = ProfileLookup(pipelineFile: file, profileDirectories: profileDirectories)
        return try spec.resolve { (participant) throws(InputError) in
            try lookup.profile(for: participant, width: spec.width, height: spec.height)
        }
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
}
