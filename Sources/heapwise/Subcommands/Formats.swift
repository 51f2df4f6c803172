import ArgumentParser
import HeapwiseCore

struct Formats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the DRM pixel formats Heapwise knows (the kernel's drm_format_info table, Linux 6.1)."
    )

    @OptionGroup var output: OutputOptions

    func run() {
        let formats = FormatInfo.drmFormats
        print(output.json ? JSON.array(formats.map(\.json)).serialized() : FormatInfo.table(formats))
    }
}
