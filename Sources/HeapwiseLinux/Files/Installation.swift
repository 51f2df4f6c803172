/// Where an installed Heapwise keeps its data: `PREFIX/share/heapwise`, found from the file the
/// running code was loaded from (`PREFIX/bin/heapwise`, `PREFIX/lib/libheapwise.so.0` or a
/// multiarch `PREFIX/lib/x86_64-linux-gnu/libheapwise.so.0`), so a relocated prefix
/// (`DESTDIR`, `/opt`) works without a path compiled in. Nil in a build tree.
public enum Installation {
    /// `PREFIX/share/heapwise`, when it holds a `profiles` directory.
    public static let dataDirectory: String? = {
        guard let image = Syscalls.loadedImage(containing: #dsohandle) else { return nil }
        var directory = image
        // PREFIX is the parent of the file's directory (bin/, lib/) or its grandparent
        // (lib/<multiarch>/).
        for _ in 0..<3 {
            guard let slash = directory.lastIndex(of: "/") else { return nil }
            directory = String(directory[..<slash])
            let candidate = directory + "/share/heapwise"
            if UserFiles.isDirectory(candidate + "/profiles") { return candidate }
        }
        return nil
    }()

    /// `PREFIX/share/heapwise/profiles`: the profiles `make install` puts there.
    public static var profileDirectory: String? { dataDirectory.map { $0 + "/profiles" } }
}
