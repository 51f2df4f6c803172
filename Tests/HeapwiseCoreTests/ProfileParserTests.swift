import Foundation
import Testing
@testable import HeapwiseCore

/// Profiles are written by hand; every mistake must come back as an error that points at the
/// line and says what to write instead.
@Suite struct ProfileParserTests {
    static let display = """
        name: test-display
        description: a display for tests
        source: [drivers/gpu/drm/test.c]
        constraints:
          pitch_alignment: 64
          max_width: 4096
          contiguous: true
        heaps: [cma, system]
        usages:
          scanout:
            constraints: { max_width: 3840 }
            formats:
              - { format: XRGB8888, modifiers: [LINEAR] }
              - format: nv12
                constraints: { plane_placement: { 0: bank0, 1: bank1 } }
              - YUYV
        """

    @Test func parsesEveryLevel() throws {
        let profile = try ProfileParser.parse(Self.display, file: "display.yaml")
        #expect(profile.name == "test-display")
        #expect(profile.sources == ["drivers/gpu/drm/test.c"])
        #expect(profile.heapPreference == ["cma", "system"])
        #expect(profile.constraints.pitchAlignment == 64)
        let scanout = try #require(profile.usage(named: "scanout"))
        #expect(scanout.constraints.maxWidth == 3840)
        #expect(scanout.formats.map(\.format.name) == ["XRGB8888", "NV12", "YUYV"])
        #expect(scanout.formats[1].modifiers == [.linear])
        #expect(scanout.formats[1].constraints.placement == PlanePlacement(labels: [0: "a", 1: "b"]))
    }

    func error(_ yaml: String) -> InputError? {
        do {
            _ = try ProfileParser.parse(yaml, file: "p.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func malformedYAMLGivesLineAndColumn() throws {
        let e = try #require(error("name: x\nusages:\n  scanout: [unclosed\n"))
        #expect(e.file == "p.yaml")
        #expect(e.line != nil && e.column != nil)
        #expect(e.message.contains("not valid YAML"))
    }

    @Test func unknownKeySuggestsTheClosest() throws {
        let e = try #require(error(Self.display.replacingOccurrences(of: "pitch_alignment: 64", with: "pitch_alignmnet: 64")))
        #expect(e.description.contains("unknown key 'pitch_alignmnet'"))
        #expect(e.description.contains("did you mean 'pitch_alignment'?"))
        #expect(e.line == 5)
    }

    @Test func unknownFormatSuggestsTheClosest() throws {
        let e = try #require(error(Self.display.replacingOccurrences(of: "XRGB8888", with: "XRGB888")))
        #expect(e.description.contains("XRGB888"))
        #expect(e.description.contains("did you mean"))
        #expect(e.line == 13)
    }

    @Test func unknownModifierIsAnError() throws {
        let e = try #require(error(Self.display.replacingOccurrences(of: "[LINEAR]", with: "[LINEARR]")))
        #expect(e.description.contains("LINEARR"))
    }

    @Test func zeroAndNonPowerOfTwoAlignmentsAreErrors() throws {
        let zero = try #require(error(Self.display.replacingOccurrences(of: "pitch_alignment: 64", with: "pitch_alignment: 0")))
        #expect(zero.description.contains("pitch_alignment must be a positive number"))
        let odd = try #require(error(Self.display.replacingOccurrences(of: "pitch_alignment: 64", with: "offset_alignment: 48")))
        #expect(odd.description.contains("power of two"))
    }

    @Test func badValuesAreNamed() throws {
        let cache = try #require(error(Self.display.replacingOccurrences(of: "contiguous: true", with: "cache: sometimes")))
        #expect(cache.description.contains("coherent, noncoherent or uncached"))
        let number = try #require(error(Self.display.replacingOccurrences(of: "max_width: 4096", with: "max_width: wide")))
        #expect(number.description.contains("expected a whole number"))
        let huge = try #require(error(Self.display.replacingOccurrences(of: "max_width: 4096", with: "max_width: 99999999999999999999999")))
        #expect(huge.description.contains("expected a whole number"))
    }

    @Test func missingPiecesAreErrors() throws {
        #expect(error("name: x\n")?.description.contains("missing required key 'usages'") == true)
        #expect(error("usages: {}\n")?.description.contains("missing required key 'name'") == true)
        #expect(error("")?.description.contains("empty") == true)
        #expect(error("name: x\nusages:\n  read:\n    formats: []\n")?.description.contains("lists no formats") == true)
        #expect(error("name: Bad Name\nusages:\n  read:\n    formats: [NV12]\n")?.description.contains("profile name") == true)
    }
}

@Suite struct PipelineParserTests {
    func error(_ yaml: String) -> InputError? {
        do {
            _ = try PipelineParser.parse(yaml, file: "pipe.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesAPipeline() throws {
        let spec = try PipelineParser.parse("""
            width: 1920
            height: 1080
            count: 4
            formats: [NV12, YUYV]
            participants:
              - { device: hantro-decoder, usage: write }
              - { device: ../Profiles/vop2-display.yaml, usage: scanout }
            """)
        #expect(spec.width == 1920 && spec.height == 1080 && spec.count == 4)
        #expect(spec.formats?.map(\.name) == ["NV12", "YUYV"])
        #expect(spec.participants.map(\.device) == [.named("hantro-decoder"), .named("../Profiles/vop2-display.yaml")])
    }

    @Test func rejectsBadSizes() throws {
        let base = "participants: [{ device: d, usage: u }]\n"
        #expect(error("width: 0\nheight: 10\n" + base)?.description.contains("width must be at least 1") == true)
        #expect(error("width: -5\nheight: 10\n" + base)?.description.contains("width must be at least 1") == true)
        #expect(error("width: 2147483648\nheight: 2147483648\n" + base)?.description.contains("beyond") == true)
        #expect(error("width: 10\nheight: 10\ncount: 0\n" + base)?.description.contains("count must be") == true)
    }

    @Test func rejectsAnEmptyParticipantList() throws {
        #expect(error("width: 10\nheight: 10\nparticipants: []\n")?.description.contains("at least one participant") == true)
    }

    @Test func unknownKeysAndFormats() throws {
        let base = "width: 10\nheight: 10\nparticipants: [{ device: d, usage: u }]\n"
        #expect(error(base + "heigth: 3\n")?.description.contains("did you mean 'height'?") == true)
        #expect(error(base + "formats: [NV13]\n")?.description.contains("NV13") == true)
        #expect(error("width: 10\nheight: 10\nparticipants: [{ device: d, use: u }]\n")?.description.contains("did you mean 'usage'?") == true)
    }
}
