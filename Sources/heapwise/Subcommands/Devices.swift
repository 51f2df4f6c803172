import ArgumentParser
import HeapwiseCore
import HeapwiseLinux

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe this machine's DRM and V4L2 devices and show what each accepts.",
        discussion: """
            Devices are named by kind and driver (drm:vkms, v4l2:vivid), never by node number. \
            --profile writes one as a profile file that pipelines on other machines can use:
              heapwise devices --profile v4l2:vivid > Profiles/my-camera.yaml
            With --json the profile is JSON (Profiles/my-camera.json), which pipelines read the same way.
            """
    )

    @Option(help: "Write the profile of one device (drm:DRIVER or v4l2:DRIVER) as YAML, or as JSON with --json.")
    var profile: String?

    @Option(help: "The frame width V4L2 drivers are asked about (VIDIOC_TRY_FMT).")
    var width = ProbedDevices.defaultSize.width

    @Option(help: "The frame height V4L2 drivers are asked about.")
    var height = ProbedDevices.defaultSize.height

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let profile, DeviceReference(profile) == nil {
            throw ValidationError("--profile takes drm:DRIVER or v4l2:DRIVER, got '\(profile)'")
        }
        guard (1...Pipeline.maxDimension).contains(width), (1...Pipeline.maxDimension).contains(height) else {
            throw ValidationError("--width and --height must be 1 to \(Pipeline.maxDimension)")
        }
    }

    func run() throws {
        if let profile, let reference = DeviceReference(profile) {
            let probed: DeviceProfile
            do {
                probed = try ProbedDevices.profile(reference, width: width, height: height)
            } catch {
                printError("heapwise: error: \(error)")
                throw Exit.invalidInput
            }
            guard !probed.usages.isEmpty else {
                printError("heapwise: error: \(reference) has nothing a pipeline can use it for (no planes, queues or "
                    + "writeback connectors with formats Heapwise knows), so there is no profile to write")
                throw Exit.invalidInput
            }
            print(output.json ? probed.json.serialized() : ProfileWriter.yaml(probed), terminator: output.json ? "\n" : "")
            return
        }
        let report = DevicesReport(entries: ProbedDevices.references().map { reference -> DevicesReport.Entry in
            do {
                return .init(device: reference.description, profile: try ProbedDevices.profile(reference, width: width, height: height))
            } catch {
                return .init(device: reference.description, error: "\(error)")
            }
        })
        print(output.json ? report.json.serialized() : report.text)
    }
}
