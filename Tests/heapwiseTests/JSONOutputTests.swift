import Foundation
import Glibc
import HeapwiseCore
import HeapwiseLinux
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

    /// Runs `heapwise arguments` (paths in them absolute) and returns its exit status and stdout.
    /// With `posix_spawn` and a pipe rather than Foundation's `Process`, which needs a socket
    /// pair of a kind the lab kernel (no INET) cannot make, and then waits forever.
    static func run(_ arguments: [String], withErrors: Bool = false) throws -> (status: Int32, output: [UInt8]) {
        try spawn([try binary()] + arguments, withErrors: withErrors)
    }

    /// Runs the program `argv[0]` (an absolute path) with `argv`, as `run` does; standard
    /// error goes to /dev/null, or `withErrors` into the output after standard output's.
    static func spawn(_ argv: [String], withErrors: Bool = false) throws -> (status: Int32, output: [UInt8]) {
        let child = try ChildProcess.spawn(argv, output: .pipe, errors: withErrors ? .sameAsOutput : .null)
        let output = child.readOutput()
        return (child.wait(), output)
    }

    /// A small `/proc`-shaped tree with shared and mapped buffers, for `stats --proc`; it
    /// lives as long as the test process (in the temporary directory).
    static let syntheticProc: String = {
        let root = NSTemporaryDirectory() + "heapwise-json-proc-\(getpid())"
        return (try? SyntheticProc.write(at: root, processes: 3, fdsPerProcess: 3, buffers: 5, mappingsPerProcess: 1).root) ?? root
    }()

    /// What each command prints with `--json`, the exit statuses it may end with, and the
    /// shape that documents it.
    static var commands: [(arguments: [String], statuses: Set<Int32>, shape: String)] {
        let repo = repository
        var list: [(arguments: [String], statuses: Set<Int32>, shape: String)] = [
            (["formats", "--json"], [0], "formats"),
            (["heaps", "--json"], [0], "heaps"),
            (["devices", "--json"], [0], "devices"),
            (["plan", "\(repo)/Examples/camera-recording.yaml", "--heaps", "\(repo)/Examples/heaps/rpi4.yaml", "--json"], [0], "resolution"),
            (["plan", "\(repo)/Examples/video-playback.yaml", "--allocate", "--json"], [0], "resolution"),
            (["bench", "resolve", "--profiles", "\(repo)/Profiles", "--iterations", "3", "--json"], [0], "bench-resolve"),
            (["bench", "alloc", "--pairs", "3", "--seconds", "0.05", "--size", "4KiB", "--json"], [0], "bench-alloc"),
            (["bench", "pool", "--pairs", "3", "--seconds", "0.05", "--size", "4KiB", "--size", "1MiB", "--json"], [0], "bench-pool"),
            (["plan", "\(repo)/Examples/video-playback.yaml", "--allocate", "--reuse", "3", "--json"], [0], "resolution"),
            (["stats", "--json"], [0], "stats"),
            (["stats", "--proc", syntheticProc, "--json"], [0], "stats"),
            (["stats", "--proc", syntheticProc, "--pid", "1001", "--json"], [0], "stats"),
            (["bench", "stats", "--processes", "8", "--rounds", "1", "--json"], [0], "bench-stats"),
            (["bench", "iova", "--scales", "100,2000", "--rounds", "4", "--json"], [0], "bench-iova"),
            (["simulate", "\(repo)/Examples/video-playback.yaml", "--clients", "2", "--frames", "20", "--json"], [0], "simulation"),
        ]
        let examples = (try? FileManager.default.contentsOfDirectory(atPath: repository + "/Examples")) ?? []
        for example in examples.sorted() where example.hasSuffix(".yaml") {
            list.append((["plan", "\(repo)/Examples/" + example, "--json"], [0, 3], "resolution"))
        }
        if inLab {
            list.append((["devices", "--profile", "v4l2:vivid", "--json"], [0], "profile"))
            list.append((["devices", "--profile", "drm:vkms", "--json"], [0], "profile"))
            list.append((["plan", "\(repo)/lab/camera-to-display.yaml", "--allocate", "--json"], [0], "resolution"))
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
                document = try StrictJSON.parse(bytes: output)
            } catch {
                Issue.record("\(line): not strict JSON (\(error)): \(String(decoding: output.prefix(200), as: UTF8.self))")
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
        let devices = try StrictJSON.parse(bytes: try Self.run(["devices", "--json"]).output)
        guard case let .array(entries) = devices else { Issue.record("devices --json is not an array"); return }
        let probed = entries.compactMap { entry -> String? in
            guard case let .object(fields) = entry, case let .string(name)? = fields["device"], case .object? = fields["profile"] else { return nil }
            return name
        }
        #expect(probed.contains("v4l2:vivid") && probed.contains("drm:vkms"), "probed: \(probed)")
        let plan = try StrictJSON.parse(bytes: try Self.run(["plan", Self.repository + "/lab/camera-to-display.yaml", "--allocate", "--json"]).output)
        guard case let .object(fields) = plan, case let .object(allocation)? = fields["allocation"],
              case let .array(buffers)? = allocation["buffers"], case let .object(first)? = buffers.first
        else { Issue.record("plan --allocate --json has no allocation.buffers"); return }
        #expect(first["exporter"].map { if case .string = $0 { true } else { false } } == true, "a real dma-buf names its exporter")
        #expect(allocation["cpu_only"].map { if case .bool(false) = $0 { true } else { false } } == true)
    }

    /// The profile and constraints shapes on the host too, where no live device prints them:
    /// every shipped profile's JSON, which covers discrete and stepwise frame sizes and plane
    /// placements.
    @Test func everyShippedProfileHasTheProfileShape() throws {
        let shapes = try Self.shapes()
        let directory = Self.repository + "/Profiles"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 14)
        for file in files {
            let profile = try ProfileParser.parse(try String(contentsOfFile: directory + "/" + file, encoding: .utf8), file: file)
            let problems = shapes.problems(try StrictJSON.parse(profile.json.serialized()), shape: "profile")
            #expect(problems.isEmpty, "\(file): \(problems.prefix(5).joined(separator: "; "))")
        }
        let stepwise = try ProfileParser.parse("name: isp\nconstraints: { frame_sizes: { min: 16x16, max: 4096x2160, step: 2x2 } }\nusages: { write: { formats: [NV12] } }")
        #expect(shapes.problems(try StrictJSON.parse(stepwise.json.serialized()), shape: "profile").isEmpty)
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
            (#"["\u+041"]"#, "a signed \\u escape"), (#"["\ud83dx"]"#.replacingOccurrences(of: "x", with: "\\u0041"), "a lone high surrogate"),
        ] {
            #expect(throws: StrictJSON.SyntaxError.self, "\(what) is not JSON") { try StrictJSON.parse(text) }
        }
        #expect(throws: StrictJSON.SyntaxError.self, "bytes that are not UTF-8") { try StrictJSON.parse(bytes: [0x5b, 0x22, 0xff, 0x22, 0x5d]) }
        #expect(try StrictJSON.parse(#"["\ud83d\ude00"]"#) == .array([.string("😀")]), "a surrogate pair is one scalar")
        #expect(try StrictJSON.parse(#"[1, -0.5, 2e3, "\u00e9\n", true, null]"#)
                == .array([.integer(1), .number(-0.5), .number(2000), .string("é\n"), .bool(true), .null]))
    }
}
