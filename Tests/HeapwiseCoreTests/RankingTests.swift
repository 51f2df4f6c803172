import Testing
@testable import HeapwiseCore

/// The ranking an expert would choose (README, "How the resolver decides"): the pipeline's
/// own preference; no needless loss of the producer's native precision; fewer bits per pixel;
/// compressed or tiled before LINEAR; the consumers' preference before the producers'; heaps.
@Suite struct RankingTests {
    /// The formats (or modifiers) of the chosen plan and the alternatives, each once, in rank order.
    func distinct(_ r: Resolution, _ key: (Plan) -> String) -> [String] {
        ([r.chosen] + r.alternatives).compactMap { $0 }.map(key).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    func resolve(_ devices: [(String, String)], formats: [String]? = nil) throws -> Resolution {
        let participants = try devices.map { yaml, usage in
            let device = try ProfileParser.parse(yaml)
            return Participant(device: device, usage: try #require(device.usage(named: usage)))
        }
        return Resolver().resolve(Pipeline(width: 640, height: 480, count: 4, formats: try formats?.map { try FormatInfo.parse($0) },
                                           participants: participants))
    }

    /// vivid's capture formats in its own order (vivid-vid-common.c formats[]: YUYV first,
    /// RGB565 early) and vkms's primary plane (vkms_plane.c vkms_formats[] plus RGB565).
    static let vivid = """
        name: vivid
        usages: { write: { formats: [YUYV, UYVY, YVYU, VYUY, NV16, NV61, NV12, NV21, RGB565, BGR888, RGB888, XRGB8888, ARGB8888, XBGR8888] } }
        """
    static let vkms = """
        name: vkms
        usages: { scanout: { formats: [XRGB8888, ARGB8888, XRGB16161616, ARGB16161616, RGB565] } }
        """

    @Test func anEightBitCameraOnAnRGBDisplayKeepsEightBits() throws {
        let r = try resolve([(Self.vivid, "write"), (Self.vkms, "scanout")])
        #expect(r.chosen?.format.name == "XRGB8888", "RGB565 would throw away 3 of YUYV's 8 bits; 16-bit channels cost twice the bytes")
        #expect(distinct(r, \.format.name) == ["XRGB8888", "ARGB8888", "RGB565"], "the display's order breaks the tie of equal size; RGB565 loses bits")
        // A camera with 16-bit channels: fewer bytes among the formats that keep its precision.
        let deep = "name: deep\nusages: { write: { formats: [XRGB16161616, ARGB16161616, XRGB8888, RGB565] } }"
        #expect(try resolve([(deep, "write"), (Self.vkms, "scanout")]).chosen?.format.name == "XRGB16161616")
    }

    /// 6.12's vkms lists ARGB8888 before XRGB8888; a camera without alpha still gets
    /// XRGB8888, as its alpha bytes would hold whatever the camera leaves there.
    @Test func aCameraWithoutAlphaGetsNoAlphaChannelWhateverTheDisplaysOrder() throws {
        let display = "name: display\nusages: { scanout: { formats: [ARGB8888, XRGB8888, RGB565] } }"
        let r = try resolve([(Self.vivid, "write"), (display, "scanout")])
        #expect(distinct(r, \.format.name) == ["XRGB8888", "ARGB8888", "RGB565"], "invented alpha ranks after none, before lost bits")
        let withAlpha = "name: alpha-camera\nusages: { write: { formats: [ARGB8888, XRGB8888] } }"
        #expect(try resolve([(withAlpha, "write"), (display, "scanout")]).chosen?.format.name == "ARGB8888", "a producer with alpha keeps it")
    }

    @Test func aFourTwoZeroDecoderFeedsNV12NotRGB() throws {
        let decoder = "name: decoder\nusages: { decode: { formats: [NV12, XRGB8888] } }"
        let display = "name: display\nusages: { scanout: { formats: [XRGB8888, NV12] } }"
        let r = try resolve([(decoder, "decode"), (display, "scanout")])
        #expect(r.chosen?.format.name == "NV12", "12 bits per pixel beat 32, and no conversion")
    }

    @Test func aFourTwoTwoCameraKeepsYUYVOverRGB() throws {
        let camera = "name: camera\nusages: { write: { formats: [YUYV, NV12, XRGB8888] } }"
        let display = "name: display\nusages: { scanout: { formats: [XRGB8888, YUYV, NV12] } }"
        let r = try resolve([(camera, "write"), (display, "scanout")])
        #expect(r.chosen?.format.name == "YUYV", "both keep 4:2:2; YUYV is half the bytes; NV12 loses chroma rows")
        #expect(distinct(r, \.format.name) == ["YUYV", "XRGB8888", "NV12"])
    }

    @Test func compressedThenTiledThenLinear() throws {
        let gpu = """
            name: gpu
            usages: { render: { formats: [{ format: XRGB8888, modifiers: [LINEAR, I915_FORMAT_MOD_X_TILED, "ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)"] }] } }
            """
        let display = """
            name: display
            usages: { scanout: { formats: [{ format: XRGB8888, modifiers: [LINEAR, I915_FORMAT_MOD_X_TILED, "ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)"] }] } }
            """
        let r = try resolve([(gpu, "render"), (display, "scanout")])
        #expect(distinct(r, \.modifier.name) == ["ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)", "I915_FORMAT_MOD_X_TILED", "LINEAR"])
    }

    @Test func theConsumerDecidesAmongEquals() throws {
        let gpu = "name: gpu\nusages: { render: { formats: [XBGR8888, XRGB8888] } }"
        let display = "name: display\nusages: { scanout: { formats: [XRGB8888, XBGR8888] } }"
        #expect(try resolve([(gpu, "render"), (display, "scanout")]).chosen?.format.name == "XRGB8888")
        #expect(try resolve([(display, "scanout"), (gpu, "render")]).chosen?.format.name == "XRGB8888", "whatever the listing order")
    }

    @Test func anExplicitRoleNamesTheProducer() throws {
        let sensor = "name: sensor\nusages: { stream: { role: producer, formats: [XRGB2101010, XRGB8888] } }"
        let sink = "name: sink\nusages: { take: { role: consumer, formats: [XRGB8888, XRGB2101010] } }"
        let r = try resolve([(sensor, "stream"), (sink, "take")])
        #expect(r.chosen?.format.name == "XRGB2101010", "the producer's 10 bits are kept though the consumer prefers 8")
        // Without roles, neither side is a producer: fewer bits and the listing decide.
        let anon = try resolve([("name: a\nusages: { stream: { formats: [XRGB2101010, XRGB8888] } }", "stream"),
                                ("name: b\nusages: { take: { formats: [XRGB8888, XRGB2101010] } }", "take")])
        #expect(anon.chosen != nil)
    }

    @Test func aBadRoleIsNamed() {
        #expect(throws: InputError.self) { try ProfileParser.parse("name: x\nusages: { s: { role: source, formats: [NV12] } }") }
        do {
            _ = try ProfileParser.parse("name: x\nusages: { s: { role: source, formats: [NV12] } }")
        } catch {
            #expect("\(error)".contains("role must be producer or consumer, got 'source'"))
        }
    }

    @Test func theWriterKeepsARoleTheNameDoesNotImply() throws {
        let profile = try ProfileParser.parse("name: x\nusages: { stream: { role: producer, formats: [NV12] }, write: { formats: [NV12] } }")
        let yaml = ProfileWriter.yaml(profile)
        #expect(yaml.contains("role: producer"))
        #expect(yaml.components(separatedBy: "role:").count == 2, "write implies producer: no role line for it")
        #expect(try ProfileParser.parse(yaml).usage(named: "stream")?.role == .producer)
    }

    @Test func theFormatPrecisionComesFromTheKernelTableAndTheName() throws {
        func precision(_ name: String) throws -> FormatPrecision { try FormatInfo.parse(name).precision }
        #expect(try precision("RGB565").bitsPerComponent == 5)
        #expect(try precision("XRGB8888").description == "8-bit 4:4:4")
        #expect(try precision("ARGB8888").description == "8-bit 4:4:4 with alpha")
        #expect(try precision("ARGB2101010").bitsPerComponent == 10)
        #expect(try precision("RGBA1010102").bitsPerComponent == 10)
        #expect(try precision("XBGR16161616F").bitsPerComponent == 16)
        #expect(try precision("RGB565_A8").description == "5-bit 4:4:4 with alpha")
        #expect(try precision("NV12").description == "8-bit 4:2:0")
        #expect(try precision("YUYV").description == "8-bit 4:2:2")
        #expect(try precision("P010").description == "10-bit 4:2:0")
        #expect(try precision("Y210").description == "10-bit 4:2:2")
        #expect(try precision("XRGB8888").keeps(precision("YUYV")))
        #expect(try !precision("RGB565").keeps(precision("YUYV")))
        #expect(try !precision("NV12").keeps(precision("YUYV")))
        #expect(try !precision("XRGB8888").keeps(precision("ARGB8888")), "alpha is lost")
        #expect(try FormatInfo.parse("NV12").bitsPerPixelTimes16 == 12 * 16)
        #expect(try FormatInfo.parse("YUV420").bitsPerPixelTimes16 == 12 * 16)
        #expect(try FormatInfo.parse("XRGB8888").bitsPerPixelTimes16 == 32 * 16)
        // Every row gets a depth from 1 to 16 bits.
        for format in FormatInfo.drmFormats {
            #expect((1...16).contains(format.precision.bitsPerComponent), "\(format.name)")
        }
    }

    @Test func modifiersAreClassedByTheirCompression() throws {
        #expect(try Modifier.parse("ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE)").layoutClass == .compressed)
        #expect(try Modifier.parse("I915_FORMAT_MOD_Y_TILED_GEN12_RC_CCS").layoutClass == .compressed)
        #expect(try Modifier.parse("I915_FORMAT_MOD_Y_TILED").layoutClass == .tiled)
        #expect(try Modifier.parse("SAMSUNG_64_32_TILE").layoutClass == .tiled)
        #expect(Modifier.linear.layoutClass == .linear)
        #expect(Modifier.invalid.layoutClass == .implicit)
    }
}
