import Foundation
import Testing

/// Every `--json` output of every command is plain JSON in the shape `docs/json.md` documents:
/// a strict parser reads it, every key is documented and present, every value has a documented
/// type (numbers as numbers, absent values null). The commands run as a user runs them: the
/// built `heapwise` binary, beside this test bundle (in the kernel lab too, where `devices`
/// and `plan --allocate` meet real drivers and heaps).
@Suite(.serialized) struct JSONOutputTests {
    static let repository = ProcessInfo.processInfo.environment["HEAPWISE_REPO"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let inLab = ProcessInfo.processInfo.environment["HEAPWISE_LAB"] == "1"

    static func shapes() throws -> JSONShapes {
        JSONShapes(markdown: try String(contentsOfFile: repository + "/docs/json.md", encoding: .utf8))
    }

    /// The `heapwise` executable built with this bundle (`.build/debug/`, or the lab payload).
    static func binary() throws -> String {
        let bundle = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let path = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("heapwise").path
        try #require(FileManager.default.isExecutableFile(atPath: path), "no heapwise binary at \(path): build it first")
        return path
    }

    /// Runs `heapwise arguments` in the repository and returns its exit status and stdout.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repository)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// What each command prints with `--json`, the exit statuses it may end with, and the
    /// shape that documents it.
    static var commands: [(arguments: [String], statuses: Set<Int32>, shape: String)] {
        var list: [(arguments: [String], statuses: Set<Int32>, shape: String)] = [
            (["formats", "--json"], [0], "formats"),
            (["heaps", "--json"], [0], "heaps"),
            (["devices", "--json"], [0], "devices"),
            (["plan", "Examples/camera-recording.yaml", "--heaps", "Examples/heaps/rpi4.yaml", "--json"], [0], "resolution"),
            (["plan", "Examples/video-playback.yaml", "--allocate", "--json"], [0], "resolution"),
            (["bench", "resolve", "--iterations", "3", "--json"], [0], "bench-resolve"),
            (["bench", "alloc", "--pairs", "3", "--seconds", "0.05", "--size", "4KiB", "--json"], [0], "bench-alloc"),
        ]
        let examples = (try? FileManager.default.contentsOfDirectory(atPath: repository + "/Examples")) ?? []
        for example in examples.sorted() where example.hasSuffix(".yaml") {
            list.append((["plan", "Examples/" + example, "--json"], [0, 3], "resolution"))
        }
        if inLab {
            list.append((["devices", "--profile", "v4l2:vivid", "--json"], [0], "profile"))
            list.append((["devices", "--profile", "drm:vkms", "--json"], [0], "profile"))
            list.append((["plan", "lab/camera-to-display.yaml", "--allocate", "--json"], [0], "resolution"))
        }
        return list
    }

    @Test func everyJSONOutputIsStrictJSONInItsDocumentedShape() throws {
        let shapes = try Self.shapes()
        var checked = 0
        for command in Self.commands {
            let (status, output) = try Self.run(command.arguments)
            let line = "heapwise " + command.arguments.joined(separator: " ")
            #expect(command.statuses.contains(status), "\(line): exit \(status)")
            let document: StrictJSON
            do {
                document = try StrictJSON.parse(output)
            } catch {
                Issue.record("\(line): not strict JSON (\(error)): \(output.prefix(200))")
                continue
            }
            let problems = shapes.problems(document, shape: command.shape)
            #expect(problems.isEmpty, "\(line): \(problems.prefix(10).joined(separator: "; "))")
            checked += 1
        }
        #expect(checked == Self.commands.count)
    }

    /// The live parts the host cannot show: on the lab kernel, devices are probed with
    /// profiles, and `plan --allocate` lists real dma-bufs with an exporter.
    @Test(.enabled(if: inLab, "needs the kernel lab (HEAPWISE_LAB=1)"))
    func liveOutputsCarryRealValues() throws {
        let devices = try StrictJSON.parse(try Self.run(["devices", "--json"]).output)
        guard case let .array(entries) = devices else { Issue.record("devices --json is not an array"); return }
        let probed = entries.compactMap { entry -> String? in
            guard case let .object(fields) = entry, case let .string(name)? = fields["device"], case .object? = fields["profile"] else { return nil }
            return name
        }
        #expect(probed.contains("v4l2:vivid") && probed.contains("drm:vkms"), "probed: \(probed)")
        let plan = try StrictJSON.parse(try Self.run(["plan", "lab/camera-to-display.yaml", "--allocate", "--json"]).output)
        guard case let .object(fields) = plan, case let .object(allocation)? = fields["allocation"],
              case let .array(buffers)? = allocation["buffers"], case let .object(first)? = buffers.first
        else { Issue.record("plan --allocate --json has no allocation.buffers"); return }
        #expect(first["exporter"].map { if case .string = $0 { true } else { false } } == true, "a real dma-buf names its exporter")
        #expect(allocation["cpu_only"].map { if case .bool(false) = $0 { true } else { false } } == true)
    }

    @Test func theDocumentIsConsistent() throws {
        let shapes = try Self.shapes()
        #expect(Set(shapes.shapes.keys).isSuperset(of: Set(Self.commands.map(\.shape))))
        for shape in shapes.shapes.values {
            #expect(shape.types[""] != nil, "shape \(shape.name) documents its (document) row")
            for path in shape.paths {
                for segment in path.split(separator: ".") {
                    let name = segment.replacingOccurrences(of: "[]", with: "")
                    #expect(name.isEmpty || name == "*" || name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" },
                            "\(shape.name): '\(path)' is not snake_case")
                }
                for type in shape.types[path] ?? [] {
                    #expect(JSONShapes.basicTypes.contains(type) || shapes.shapes[type] != nil,
                            "\(shape.name): '\(path)' has unknown type '\(type)'")
                }
            }
        }
    }

    /// The checker itself: it must refuse what the contract forbids, or the test above proves
    /// nothing.
    @Test func theCheckerRefusesWhatTheContractForbids() throws {
        let shapes = try Self.shapes()
        let good = #"{"width": 640, "height": 480}"#
        #expect(shapes.problems(try StrictJSON.parse(good), shape: "size").isEmpty)
        #expect(!shapes.problems(try StrictJSON.parse(#"{"width": "640", "height": 480}"#), shape: "size").isEmpty,
                "a number as a string")
        #expect(!shapes.problems(try StrictJSON.parse(#"{"width": 640}"#), shape: "size").isEmpty, "a missing key")
        #expect(!shapes.problems(try StrictJSON.parse(#"{"width": 640, "height": 480, "depth": 1}"#), shape: "size").isEmpty,
                "an undocumented key")
        #expect(!shapes.problems(try StrictJSON.parse(#"{"ram": null, "heaps": []}"#), shape: "heaps").isEmpty, "null where not allowed")
        for (text, what) in [
            (#"{"width": 640,}"#, "a trailing comma"), ("{ width: 640 }", "YAML"), (#"{"a": 1} x"#, "trailing text"),
            (#"{"a": 01}"#, "a leading zero"), (#"{"a": NaN}"#, "NaN"), (#"{"a": 1, "a": 2}"#, "a duplicate key"),
            ("[\"tab\there\"]", "a raw control character"), ("['x']", "single quotes"), ("[1] // note", "a comment"),
        ] {
            #expect(throws: StrictJSON.SyntaxError.self, "\(what) is not JSON") { try StrictJSON.parse(text) }
        }
        #expect(try StrictJSON.parse(#"[1, -0.5, 2e3, "\u00e9\n", true, null]"#)
                == .array([.integer(1), .number(-0.5), .number(2000), .string("é\n"), .bool(true), .null]))
    }
}
