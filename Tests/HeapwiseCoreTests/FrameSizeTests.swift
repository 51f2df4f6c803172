import Testing
@testable import HeapwiseCore

/// Frame sizes (`frame_sizes`, V4L2 `VIDIOC_ENUM_FRAMESIZES`): a size outside a device's set
/// is refused with the set named, two devices' sets intersect exactly, and a refused size
/// comes with the nearest size at which the pipeline plans.
@Suite struct FrameSizeTests {
    static func size(_ w: Int, _ h: Int) -> FrameSize { FrameSize(width: w, height: h) }
    static let webcam = FrameSizes.discrete([size(1920, 1080), size(320, 180), size(640, 480), size(1280, 720), size(640, 360), size(640, 480)])

    static func parse(_ yaml: String) throws -> FrameSizes? {
        try ProfileParser.parse("""
            name: d
            constraints: { frame_sizes: \(yaml) }
            usages: { write: { formats: [NV12] } }
            """).constraints.frameSizes
    }

    static func parseError(_ yaml: String) -> String? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func listsAreSortedAndWithoutDuplicates() {
        #expect(Self.webcam == .list([Self.size(320, 180), Self.size(640, 360), Self.size(640, 480), Self.size(1280, 720), Self.size(1920, 1080)]))
    }

    @Test func profilesSpellListsAndRanges() throws {
        #expect(try Self.parse("[1280x720, 640x480]") == .list([Self.size(640, 480), Self.size(1280, 720)]))
        #expect(try Self.parse("{ min: 16x16, max: 4096x2161, step: 2x2 }")
                == .range(min: Self.size(16, 16), max: Self.size(4096, 2160), step: Self.size(2, 2)), "max comes down to the last step")
        #expect(try Self.parse("{ min: 16x16, max: 64x64 }") == .range(min: Self.size(16, 16), max: Self.size(64, 64), step: Self.size(1, 1)),
                "no step: V4L2_FRMSIZE_TYPE_CONTINUOUS")
        #expect(try Self.parse("{ min: 640x480, max: 641x481, step: 2x2 }") == .list([Self.size(640, 480)]), "a one-size range is that size")
    }

    @Test func malformedFrameSizesAreNamed() {
        #expect(Self.parseError("[]")?.contains("an empty frame_sizes list accepts no size") == true)
        #expect(Self.parseError("[1280by720]")?.contains("a frame size is WIDTHxHEIGHT, e.g. 1280x720, got '1280by720'") == true)
        #expect(Self.parseError("[0x720]")?.contains("out of range") == true)
        #expect(Self.parseError("[99999999x720]")?.contains("out of range") == true)
        #expect(Self.parseError("{ min: 64x64, max: 16x16 }")?.contains("min 64x64 is larger than max 16x16") == true)
        #expect(Self.parseError("{ min: 16x16, max: 64x64, step: 0x2 }")?.contains("out of range") == true)
        #expect(Self.parseError("{ min: 16x16 }")?.contains("max") == true)
        #expect(Self.parseError("{ min: 16x16, max: 64x64, stride: 2x2 }")?.contains("stride") == true)
    }

    @Test func writtenProfilesReadBackTheSameSets() throws {
        for sizes in FrameSizes.samples {
            #expect(try Self.parse(sizes.yaml) == sizes, "\(sizes.yaml)")
        }
    }

    /// The merge law, checked against its meaning: a size is in the intersection exactly when
    /// it is in both sets (list ∩ list, list ∩ range, range ∩ range with co-prime and offset
    /// steps), at every lattice point near either set's corners and at random sizes.
    @Test func intersectionContainsExactlyTheSizesInBoth() {
        var rng = SplitMix64(seed: 10)
        var sets = FrameSizes.samples
        for _ in 0..<60 {
            let min = Self.size(Int.random(in: 1...64, using: &rng), Int.random(in: 1...64, using: &rng))
            let max = Self.size(min.width + Int.random(in: 0...400, using: &rng), min.height + Int.random(in: 0...400, using: &rng))
            let step = Self.size(Int.random(in: 1...12, using: &rng), Int.random(in: 1...12, using: &rng))
            sets.append(FrameSizes.stepwise(min: min, max: max, step: step)!)
        }
        var checked = 0
        for a in sets {
            for b in sets.shuffled(using: &rng).prefix(12) {
                let both = a.intersection(b)
                var probes = (0..<150).map { _ in Self.size(Int.random(in: 1...470, using: &rng), Int.random(in: 1...470, using: &rng)) }
                for set in [a, b, both] { probes += Self.corners(set) }
                for size in probes {
                    #expect(both.contains(size) == (a.contains(size) && b.contains(size)), "\(a.yaml) ∩ \(b.yaml) at \(size)")
                    checked += 1
                }
            }
        }
        #expect(checked > 100_000)
    }

    static func corners(_ sizes: FrameSizes) -> [FrameSize] {
        switch sizes {
        case let .listed(list): return list.sizes.flatMap { [$0, size($0.width + 1, $0.height), size($0.width, $0.height - 1)] }
        case let .range(min, max, step):
            return [min, max, size(min.width + step.width, min.height), size(max.width - step.width, max.height - step.height),
                    size(min.width + 1, min.height), size(max.width + step.width, max.height)]
        }
    }

    @Test func rangesIntersectOnTheCommonMultipleOfTheirSteps() {
        let a = FrameSizes.stepwise(min: Self.size(17, 10), max: Self.size(2000, 1500), step: Self.size(3, 5))!
        let b = FrameSizes.stepwise(min: Self.size(20, 12), max: Self.size(1000, 1000), step: Self.size(4, 2))!
        // Widths 17+3i and 20+4j meet at 20, 32, 44, …; heights 10+5i and 12+2j at 20, 30, ….
        #expect(a.intersection(b) == .range(min: Self.size(20, 20), max: Self.size(992, 1000), step: Self.size(12, 10)))
        let even = FrameSizes.stepwise(min: Self.size(2, 2), max: Self.size(100, 100), step: Self.size(2, 2))!
        let odd = FrameSizes.stepwise(min: Self.size(1, 1), max: Self.size(99, 99), step: Self.size(2, 2))!
        #expect(even.intersection(odd).isEmpty, "no even size is odd")
        #expect(Self.webcam.intersection(FrameSizes.stepwise(min: Self.size(16, 16), max: Self.size(1280, 720), step: Self.size(16, 8))!)
                == .list([Self.size(640, 360), Self.size(640, 480), Self.size(1280, 720)]),
                "180 is not 16 plus a multiple of 8")
    }

    @Test func nearestFollowsTheKernelsMeasure() {
        // v4l2_find_nearest_size: |Δw| + |Δh|; 1280×720 is 438 away from 1000×562, 640×480 is 442.
        #expect(Self.webcam.nearest(to: Self.size(1000, 562)).first == Self.size(1280, 720))
        let range = FrameSizes.stepwise(min: Self.size(16, 16), max: Self.size(4096, 2160), step: Self.size(16, 16))!
        #expect(range.nearest(to: Self.size(1001, 563)).first == Self.size(1008, 560))
        #expect(range.nearest(to: Self.size(9000, 9000)).first == Self.size(4096, 2160))
    }

    // MARK: the resolver

    static let camera = """
        name: uvc-webcam
        constraints: { frame_sizes: [320x180, 640x360, 640x480, 1280x720, 1920x1080] }
        usages: { write: { formats: [YUYV, NV12] } }
        """
    static let display = """
        name: display
        constraints: { max_width: 4096 }
        usages: { scanout: { formats: [NV12, XRGB8888] } }
        """

    func resolve(_ devices: [(String, String)], _ w: Int, _ h: Int) throws -> Resolution {
        let participants = try devices.map { yaml, usage in
            let device = try ProfileParser.parse(yaml)
            return Participant(device: device, usage: try #require(device.usage(named: usage)))
        }
        return Resolver().resolve(Pipeline(width: w, height: h, count: 4, participants: participants))
    }

    @Test func aSizeTheCameraDoesNotProduceIsRefusedWithItsSizes() throws {
        let resolution = try resolve([(Self.camera, "write"), (Self.display, "scanout")], 1000, 562)
        #expect(resolution.chosen == nil)
        #expect(resolution.rejected.map(\.description).contains(
            "uvc-webcam: NV12/LINEAR: 1000×562 is not a frame size it produces (320×180, 640×360, 640×480, 1280×720, 1920×1080)"))
        #expect(resolution.suggestedSize == Self.size(1280, 720))
        #expect(resolution.text().contains("try 1280×720: the nearest size at which every participant agrees on a plan"))
        #expect(resolution.json.serialized(indent: nil).contains(#""suggested_size":{"width":1280,"height":720}"#))
        // At the suggested size the same pipeline plans.
        #expect(try resolve([(Self.camera, "write"), (Self.display, "scanout")], 1280, 720).chosen != nil)
    }

    @Test func theSuggestionIsASizeEveryParticipantAccepts() throws {
        // The display takes only 640-wide-or-less: 1280×720 would be nearer, but only 640×480 plans.
        let small = """
            name: small-display
            constraints: { max_width: 640, max_height: 480 }
            usages: { scanout: { formats: [NV12] } }
            """
        let resolution = try resolve([(Self.camera, "write"), (small, "scanout")], 1000, 562)
        #expect(resolution.suggestedSize == Self.size(640, 480))
        // A consumer's frame sizes are what it accepts.
        let encoder = """
            name: encoder
            constraints: { frame_sizes: { min: 96x96, max: 1920x1088, step: 16x16 } }
            usages: { encode: { formats: [NV12] } }
            """
        let refused = try resolve([(Self.camera, "write"), (encoder, "encode")], 1920, 1080)
        #expect(refused.rejected.map(\.description).contains("encoder: NV12/LINEAR: 1920×1080 is not a frame size it accepts (96×96 to 1920×1088 in steps of 16×16)"))
        #expect(refused.suggestedSize == Self.size(1280, 720), "the camera's largest mode the encoder's 16×16 steps reach")
    }

    @Test func noSuggestionWhenTheSizeIsNotTheProblem() throws {
        let rgbOnly = """
            name: rgb-display
            usages: { scanout: { formats: [XRGB8888] } }
            """
        let resolution = try resolve([(Self.camera, "write"), (rgbOnly, "scanout")], 1000, 562)
        #expect(resolution.chosen == nil)
        #expect(resolution.suggestedSize == nil, "no size makes the camera produce XRGB8888")
        #expect(!resolution.text().contains("try "))
        #expect(resolution.json.serialized(indent: nil).contains(#""suggested_size":null"#))
    }

    @Test func theMostSpecificFrameSizesWin() throws {
        let device = try ProfileParser.parse("""
            name: isp
            constraints: { frame_sizes: { min: 16x16, max: 4096x4096 } }
            usages:
              write:
                constraints: { frame_sizes: [1920x1080, 1280x720] }
                formats:
                  - NV12
                  - { format: YUYV, constraints: { frame_sizes: [640x480] } }
            """)
        let write = try #require(device.usage(named: "write"))
        for (format, size, plans) in [("NV12", Self.size(1280, 720), true), ("NV12", Self.size(640, 480), false),
                                      ("YUYV", Self.size(640, 480), true), ("YUYV", Self.size(1280, 720), false)] {
            let pipeline = Pipeline(width: size.width, height: size.height, formats: [try FormatInfo.parse(format)],
                                    participants: [Participant(device: device, usage: write)])
            #expect((Resolver().resolve(pipeline).chosen != nil) == plans, "\(format) at \(size)")
        }
    }
}
