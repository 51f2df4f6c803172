import ArgumentParser
import HeapwiseCore

struct Formats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the DRM pixel formats Heapwise knows (the kernel's drm_format_info table, Linux 6.1)."
    )

    @OptionGroup var output: OutputOptions

    /// What `run()` prints, apart from printing it, so tests check the command's own output.
    var printed: String {
        let formats = FormatInfo.drmFormats
        return output.json ? JSON.array(formats.map(\.json)).serialized() : FormatInfo.table(formats)
    }

    func run() {
        print(printed)
    }
}
