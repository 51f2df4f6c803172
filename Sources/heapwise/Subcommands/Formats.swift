import ArgumentParser
import HeapwiseCore

struct Formats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the DRM pixel formats Heapwise knows (the kernel's drm_format_info table, Linux 6.1)."
    )

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() {
        let formats = FormatInfo.drmFormats
        if json {
            print(JSON.array(formats.map(\.json)).serialized())
            return
        }
        var table = TextTable(["name", "fourcc", "code", "planes", "cpp", "block", "hsub", "vsub", "yuv", "alpha"])
        for f in formats {
            let planes = 0..<f.planes
            table.append([
                f.name, "'\(f.fourcc)'", f.fourcc.hexCode,
                "\(f.planes)", planes.map { "\(f.cpp[$0])" }.joined(separator: ","),
                planes.map { "\(f.blockWidth[$0])x\(f.blockHeight[$0])" }.joined(separator: ","),
                "\(f.hsub)", "\(f.vsub)", f.isYUV ? "yes" : "no", f.hasAlpha ? "yes" : "no",
            ])
        }
        print(table.render())
    }
}
