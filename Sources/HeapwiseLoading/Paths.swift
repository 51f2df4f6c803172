import SystemPackage

/// Path arithmetic on the strings users give, without touching the file system: where
/// `ProfileLookup` looks is computed here, and only `UserFiles` (HeapwiseLinux) reads.
public enum Paths {
    /// The machine's heap hints (`HeapHints`), read when `--hints` is not given.
    public static let systemHeapHints = "/etc/heapwise/heap-hints.yaml"

    /// The directory part: `Examples` for `Examples/video.yaml`, empty for `video.yaml`.
    public static func directory(of path: String) -> String {
        FilePath(path).removingLastComponent().string
    }

    /// `path` taken relative to `directory` (unless absolute), with `.` and `..` folded:
    /// `join("Examples", "../Profiles")` is `Profiles`.
    public static func join(_ directory: String, _ path: String) -> String {
        let relative = FilePath(path)
        if relative.isAbsolute || directory.isEmpty { return relative.lexicallyNormalized().string }
        return FilePath(directory).pushing(relative).lexicallyNormalized().string
    }
}
