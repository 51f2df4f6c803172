import Foundation
import HeapwiseCore
import Testing
import HeapwiseLoading

/// JSON is YAML's flow style, so a profile or pipeline written as JSON (`devices --profile X
/// --json`, a script's output) reads back and plans exactly like its YAML form; `null` reads as
/// "not set", since `--json` writes every key.
@Suite struct JSONInputTests {
    static let repository = ProcessInfo.processInfo.environment["HEAPWISE_REPO"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func shippedProfiles() throws -> [(file: String, profile: DeviceProfile)] {
        let directory = repository + "/Profiles"
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted().map { file in
            (file, try ProfileParser.parse(try String(contentsOfFile: directory + "/" + file, encoding: .utf8), file: file))
        }
    }

    @Test func everyShippedProfileReadsBackFromItsJSON() throws {
        let profiles = try Self.shippedProfiles()
        #expect(profiles.count >= 14)
        for (file, profile) in profiles {
            for indent in [2, nil] as [Int?] {
                let json = profile.json.serialized(indent: indent)
                let back = try ProfileParser.parse(json, file: file + ".json")
                #expect(back.json == profile.json, "\(file), indent \(String(describing: indent))")
                #expect(ProfileWriter.yaml(back) == ProfileWriter.yaml(profile), "\(file)")
            }
        }
    }

    /// Each example with every profile and the pipeline itself as JSON files plans exactly as
    /// the YAML files do: same chosen plan, alternatives and rejections.
    @Test func everyExamplePlansTheSameFromJSONFiles() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("heapwise-json-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch + "/Profiles", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for (file, profile) in try Self.shippedProfiles() {
            let name = String(file.dropLast(".yaml".count))
            try profile.json.serialized().write(toFile: "\(scratch)/Profiles/\(name).json", atomically: true, encoding: .utf8)
        }
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.repository + "/Examples").filter { $0.hasSuffix(".yaml") }
        #expect(examples.count >= 8)
        for example in examples.sorted() {
            let yamlFile = Self.repository + "/Examples/" + example
            let spec = try PipelineParser.parse(try String(contentsOfFile: yamlFile, encoding: .utf8), file: example)
            let jsonFile = scratch + "/" + example.dropLast(".yaml".count) + ".json"
            try spec.json.serialized().write(toFile: jsonFile, atomically: true, encoding: .utf8)
            let fromYAML = Resolver(catalog: .builtIn).resolve(try Loader.pipeline(yamlFile))
            let fromJSON = Resolver(catalog: .builtIn).resolve(try Loader.pipeline(jsonFile, profileDirectories: [scratch + "/Profiles"]))
            #expect(fromJSON.json == fromYAML.json, "\(example)")
        }
    }

    @Test func nullMeansNotSet() throws {
        let omitted = try ProfileParser.parse(#"{"name": "cam", "usages": {"write": {"formats": [{"format": "NV12"}]}}}"#)
        let nulls = try ProfileParser.parse("""
            {"name": "cam", "description": null, "constraints": {"max_width": null, "frame_sizes": null},
             "usages": {"write": {"role": null, "constraints": null, "formats": [{"format": "NV12", "constraints": {"cache": null}}]}}}
            """)
        #expect(nulls.json == omitted.json)
        #expect(nulls.constraints == Constraints())
        // A quoted "null" is text, not "not set": a number is still required.
        #expect(throws: InputError.self) { try ProfileParser.parse(#"{"name": "cam", "constraints": {"max_width": "null"}, "usages": {"write": {"formats": ["NV12"]}}}"#) }
        // An empty value is not "not set": it stays the error it always was.
        let empty = #expect(throws: InputError.self) { try ProfileParser.parse("name: cam\nusages: { write: { formats: [NV12] } }\nconstraints: { max_width: }\n") }
        #expect(empty?.description.contains("max_width") == true)
        // Null never hides an unknown key.
        let typo = #expect(throws: InputError.self) {
            try ProfileParser.parse(#"{"name": "cam", "constraints": {"max_widht": null}, "usages": {"write": {"formats": ["NV12"]}}}"#)
        }
        #expect(typo?.description.contains("did you mean 'max_width'") == true)
    }

    @Test func brokenJSONIsCalledJSONWithItsPosition() throws {
        let error = #expect(throws: InputError.self) {
            try ProfileParser.parse(#"{"name": "cam", "usages": {"write": {"formats": ["NV12"]}}"#, file: "cam.json")
        }
        #expect(error?.code == .syntax)
        #expect(error?.description.hasPrefix("cam.json:2:1: not valid JSON: ") == true, "\(String(describing: error))")
        let yaml = #expect(throws: InputError.self) { try ProfileParser.parse("name: [cam", file: "cam.yaml") }
        #expect(yaml?.description.contains("not valid YAML") == true)
    }

    @Test func frameSizesReadAsTheJSONWritesThem() throws {
        let listed = try ProfileParser.parse("""
            {"name": "cam", "constraints": {"frame_sizes": [{"width": 640, "height": 480}, {"width": 1280, "height": 720}]},
             "usages": {"write": {"formats": ["YUYV"]}}}
            """)
        #expect(listed.constraints.frameSizes == .discrete([FrameSize(width: 640, height: 480), FrameSize(width: 1280, height: 720)]))
        let range = try ProfileParser.parse("""
            {"name": "isp", "constraints": {"frame_sizes": {"min": {"width": 16, "height": 16}, "max": "4096x2160", "step": {"width": 2, "height": 2}}},
             "usages": {"write": {"formats": ["NV12"]}}}
            """)
        #expect(range.constraints.frameSizes == FrameSizes.stepwise(min: FrameSize(width: 16, height: 16), max: FrameSize(width: 4096, height: 2160),
                                                                   step: FrameSize(width: 2, height: 2)))
        let missing = #expect(throws: InputError.self) {
            try ProfileParser.parse(#"{"name": "cam", "constraints": {"frame_sizes": [{"width": 640}]}, "usages": {"write": {"formats": ["YUYV"]}}}"#)
        }
        #expect(missing?.description.contains("missing required key 'height'") == true)
        let zero = #expect(throws: InputError.self) {
            try ProfileParser.parse(#"{"name": "cam", "constraints": {"frame_sizes": [{"width": 0, "height": 480}]}, "usages": {"write": {"formats": ["YUYV"]}}}"#)
        }
        #expect(zero?.description.contains("out of range") == true)
    }

    @Test func profileNamesAreLookedUpAsJSONToo() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("heapwise-json-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch + "/Profiles", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try #"{"name": "cam", "usages": {"write": {"formats": ["NV12"]}}}"#.write(toFile: scratch + "/Profiles/cam.json", atomically: true, encoding: .utf8)
        try #"{"width": 64, "height": 64, "participants": [{"device": "cam", "usage": "write"}]}"#
            .write(toFile: scratch + "/by-name.json", atomically: true, encoding: .utf8)
        try #"{"width": 64, "height": 64, "participants": [{"device": "Profiles/cam.json", "usage": "write"}]}"#
            .write(toFile: scratch + "/by-path.json", atomically: true, encoding: .utf8)
        for file in ["by-name.json", "by-path.json"] {
            let pipeline = try Loader.pipeline(scratch + "/" + file)
            #expect(pipeline.participants.first?.device.name == "cam", "\(file)")
        }
        let missing = #expect(throws: InputError.self) {
            try Loader.pipeline(scratch + "/by-name.json", profileDirectories: [scratch + "/nowhere"])
        }
        #expect(missing?.description.contains("looked for cam.yaml and cam.json in \(scratch)/nowhere") == true)
    }
}
