import CHeapwiseLinux
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The pure parts of the DRM code, on the host: blobs built by hand byte for byte as the
/// kernel lays them out, profile conversion of probes built by hand, and the framebuffer
/// diagnosis. The real devices are exercised in KernelDRMTests.
@Suite struct DRMParsingTests {
    // MARK: IN_FORMATS

    /// A `drm_format_modifier_blob` as `create_in_format_blob` (`drm_plane.c`) writes it:
    /// header, formats, padding to 8, then 24-byte modifier records.
    static func inFormatsBlob(formats: [UInt32], modifiers: [(mask: UInt64, offset: UInt32, modifier: UInt64)], version: UInt32 = 1) -> [UInt8] {
        var bytes: [UInt8] = []
        func put32(_ value: UInt32) { bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func put64(_ value: UInt64) { bytes += (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
        let formatsOffset: UInt32 = 24
        let modifiersOffset = (formatsOffset + UInt32(formats.count) * 4 + 7) / 8 * 8
        for value in [version, 0, UInt32(formats.count), formatsOffset, UInt32(modifiers.count), modifiersOffset] { put32(value) }
        formats.forEach(put32)
        while bytes.count < modifiersOffset { bytes.append(0) }
        for record in modifiers {
            put64(record.mask)
            put32(record.offset)
            put32(0)
            put64(record.modifier)
        }
        return bytes
    }

    static let xrgb = FourCC("XR24")!.rawValue
    static let argb = FourCC("AR24")!.rawValue
    static let nv12 = FourCC("NV12")!.rawValue
    static let xTiled: UInt64 = 0x0100_0000_0000_0001

    @Test func headerSizesMatchTheUAPI() {
        #expect(hw_DRM_FORMAT_MODIFIER_BLOB_SIZE == 24)
        #expect(hw_DRM_FORMAT_MODIFIER_SIZE == 24)
        #expect(hw_FORMAT_BLOB_CURRENT == 1)
    }

    /// The C shim's values (from drm_fourcc.h or its 6.1 copy) agree with HeapwiseCore's tables.
    @Test func uapiConstantsAgreeWithTheCoreTables() {
        #expect(Modifier.invalid.rawValue == hw_DRM_FORMAT_MOD_INVALID)
        #expect(Modifier.linear.rawValue == hw_DRM_FORMAT_MOD_LINEAR)
        #expect(FourCC("XR24")?.rawValue == hw_DRM_FORMAT_XRGB8888)
        #expect(FormatInfo.lookup(FourCC(rawValue: hw_DRM_FORMAT_XRGB8888))?.name == "XRGB8888")
    }

    @Test func inFormatsPairsComeInFormatOrderThenModifierOrder() throws {
        let blob = Self.inFormatsBlob(
            formats: [Self.xrgb, Self.argb, Self.nv12],
            modifiers: [(0b111, 0, 0), (0b010, 0, Self.xTiled)])
        #expect(blob.count == 24 + 12 + 4 + 48)  // 12 bytes of formats, padded to 16
        let pairs = try FormatBlob.parseInFormats(blob)
        #expect(pairs.map(\.description) == ["XRGB8888/LINEAR", "ARGB8888/LINEAR", "ARGB8888/I915_FORMAT_MOD_X_TILED", "NV12/LINEAR"])
    }

    /// Bit i of a record with offset 64 names format 64 + i: the sliding window drm_mode.h describes.
    @Test func modifierWindowsBeyondSixtyFourFormats() throws {
        var formats = Array(repeating: Self.xrgb, count: 70)
        formats[64] = Self.argb
        formats[66] = Self.nv12
        let blob = Self.inFormatsBlob(formats: formats, modifiers: [(0b101, 64, Self.xTiled)])
        let pairs = try FormatBlob.parseInFormats(blob)
        #expect(pairs == [
            FormatModifierPair(format: FourCC(rawValue: Self.argb), modifier: Modifier(rawValue: Self.xTiled)),
            FormatModifierPair(format: FourCC(rawValue: Self.nv12), modifier: Modifier(rawValue: Self.xTiled)),
        ])
    }

    @Test func malformedBlobsAreErrorsNotCrashes() {
        let good = Self.inFormatsBlob(formats: [Self.xrgb, Self.argb], modifiers: [(0b11, 0, 0)])
        #expect(throws: FormatBlobError.self) { try FormatBlob.parseInFormats(Array(good.prefix(20))) }
        #expect(throws: FormatBlobError.self) { try FormatBlob.parseInFormats(Array(good.dropLast(1))) }
        #expect(throws: FormatBlobError.self) {
            try FormatBlob.parseInFormats(Self.inFormatsBlob(formats: [Self.xrgb], modifiers: [], version: 2))
        }
        // A mask naming format 1 of a one-format list.
        #expect(throws: FormatBlobError.self) {
            try FormatBlob.parseInFormats(Self.inFormatsBlob(formats: [Self.xrgb], modifiers: [(0b10, 0, 0)]))
        }
        // A count that would run past the end.
        var lying = good
        lying[8] = 200
        #expect(throws: FormatBlobError.self) { try FormatBlob.parseInFormats(lying) }
    }

    /// A plane without IN_FORMATS takes flagless framebuffers, which the kernel records as
    /// LINEAR (drm_helper_mode_fill_fb_struct): so a V4L2 camera's LINEAR buffers meet it.
    @Test func withoutInFormatsEveryFormatIsLinear() {
        let codes = [FourCC(rawValue: Self.xrgb)]
        #expect(FormatBlob.implicitPairs(formats: codes).map(\.modifier) == [.linear])
    }

    @Test func writebackFormatsAreAPlainFourCCArray() {
        let bytes: [UInt8] = [0x58, 0x52, 0x32, 0x34, 0x52, 0x47, 0x31, 0x36, 0xFF]
        #expect(FormatBlob.parseFourCCs(bytes).map(\.description) == ["XR24", "RG16"])
    }

    // MARK: modes and connectors

    @Test func modesKeepTheKernelsBytes() {
        var info = hw_drm_mode_info()
        info.hdisplay = 640
        info.vdisplay = 480
        info.vrefresh = 60
        info.type = hw_DRM_MODE_TYPE_PREFERRED
        withUnsafeMutableBytes(of: &info.name) { raw in
            for (index, byte) in "640x480".utf8.enumerated() { raw[index] = byte }
        }
        let mode = DRMMode(info)
        #expect(mode.name == "640x480")
        #expect(mode.preferred)
        #expect(mode.description == "640x480@60 (preferred)")
        #expect(mode.modeInfo.count == 68)
        #expect(mode.modeInfo[4] == 0x80 && mode.modeInfo[5] == 0x02)  // hdisplay, little-endian, after the u32 clock
    }

    @Test func connectorsAreNamedAsTheKernelNamesThem() {
        #expect(DRMConnector.name(type: 15, index: 1) == "Virtual-1")
        #expect(DRMConnector.name(type: 18, index: 1) == "Writeback-1")
        #expect(DRMConnector.name(type: 11, index: 2) == "HDMI-A-2")
        #expect(DRMConnector.name(type: 99, index: 1) == "Type99-1")
    }

    // MARK: profiles

    static func vkmsLikeProbe() -> DRMProbe {
        let pair = { (code: String, modifier: Modifier) in FormatModifierPair(format: FourCC(code)!, modifier: modifier) }
        let unknown = FourCC("ZZ99")!
        let primary = DRMPlane(id: 31, type: .primary, possibleCRTCs: 1, formats: [FourCC("XR24")!, unknown],
                               formatModifiers: [pair("XR24", .linear), FormatModifierPair(format: unknown, modifier: .linear)],
                               hasInFormats: true, notes: [])
        let cursor = DRMPlane(id: 33, type: .cursor, possibleCRTCs: 1, formats: [FourCC("AR24")!],
                              formatModifiers: [pair("AR24", .linear)], hasInFormats: true, notes: [])
        // As vkms 6.1 sets them: each encoder clones only itself (drm_mode_config's fixup).
        let display = DRMConnector(id: 35, type: 15, name: "Virtual-1", connected: true, modes: [], possibleCRTCs: 1,
                                   encoders: [36], possibleClones: 0b01)
        let writeback = DRMConnector(id: 37, type: 18, name: "Writeback-1", connected: false, modes: [], possibleCRTCs: 1,
                                     encoders: [39], possibleClones: 0b10)
        return DRMProbe(
            path: "/dev/dri/card1",
            version: DRMVersion(driver: "vkms", major: 1, minor: 0, patch: 0, date: "20180514", driverDescription: "Virtual Kernel Mode Setting"),
            kernelRelease: "6.1.192",
            capabilities: DRMCapabilities(primeImport: true, primeExport: true, addFB2Modifiers: true, dumbBuffer: true, cursorWidth: 512, cursorHeight: 512),
            clientCapabilities: [.universalPlanes, .atomic, .writebackConnectors],
            resources: DRMResources(crtcs: [38], connectors: [35, 37], encoders: [36, 39], minWidth: 20, maxWidth: 8192, minHeight: 20, maxHeight: 8192),
            connectors: [display, writeback], planes: [primary, cursor], writebackFormats: [37: [FourCC("XR24")!]])
    }

    @Test func probesBecomeProfilesWithAUsagePerPlaneType() throws {
        let profile = Self.vkmsLikeProbe().profile(name: "vkms")
        #expect(profile.usages.map(\.name) == ["scanout", "cursor", "writeback"])
        let scanout = try #require(profile.usage(named: "scanout"))
        #expect(scanout.acceptedFormats.map(\.name) == ["XRGB8888"])
        #expect(scanout.modifiers(for: FourCC("XR24")!) == [.linear])
        let cursor = try #require(profile.usage(named: "cursor"))
        #expect(cursor.constraints.maxWidth == 512 && cursor.constraints.maxHeight == 512)
        #expect(profile.constraints.maxWidth == 8192 && profile.constraints.minHeight == 20)
        #expect(profile.description.contains("vkms") && profile.description.contains("/dev/dri/card1") && profile.description.contains("6.1.192"))
        #expect(profile.sources.contains { $0.contains("virtual KMS device") })
        #expect(profile.sources.contains { $0.contains("skipped") && $0.contains("ZZ99") })
    }

    @Test func aDriverWithoutKMSHasNoDisplayUsages() {
        var probe = Self.vkmsLikeProbe()
        probe.version.driver = "vgem"
        probe.resources = nil
        probe.planes = []
        probe.connectors = []
        let profile = probe.profile(name: "vgem")
        #expect(profile.usages.isEmpty)
        #expect(profile.sources.contains { $0.contains("no KMS") })
        #expect(profile.sources.contains { $0.contains("virtual GEM provider") })
        #expect(probe.displayPath() == nil)
    }

    @Test func displayPathsPairAConnectorWithAPrimaryPlaneAndWriteback() throws {
        let path = try #require(Self.vkmsLikeProbe().displayPath(connector: "Virtual-1"))
        #expect(path.crtc == 38 && path.primaryPlane.id == 31 && path.writeback?.id == 37)
        #expect(!path.writebackClonesDisplay)
        #expect(Self.vkmsLikeProbe().displayPath(connector: "HDMI-A-1") == nil)

        // Encoders that list each other as clones may share the CRTC.
        var cloning = Self.vkmsLikeProbe()
        for index in cloning.connectors.indices { cloning.connectors[index].possibleClones = 0b11 }
        #expect(cloning.displayPath()?.writebackClonesDisplay == true)
    }

    // MARK: framebuffer diagnosis

    static func request(pitch: Int, bufferSize: Int = 640 * 480 * 4, offset: Int = 0) -> FramebufferRequest {
        FramebufferRequest(format: FourCC("XR24")!, width: 640, height: 480, modifier: .linear,
                           planes: [.init(handle: 1, offset: offset, pitch: pitch, bufferSize: bufferSize)])
    }

    @Test func aGoodRequestHasNoProblems() {
        #expect(Self.request(pitch: 2560).problems().isEmpty)
        #expect(Self.request(pitch: 2560).summary == "XRGB8888 640×480, modifier LINEAR, pitches [2560], offsets [0], handles [1]")
    }

    @Test func shortPitchesAndSmallBuffersAreExplainedAsTheKernelChecksThem() {
        #expect(Self.request(pitch: 2556).problems() == ["plane 0: pitch 2556 < 2560 bytes (640 pixels × 4 bytes)"])
        let tooBig = Self.request(pitch: 4096).problems()
        #expect(tooBig.count == 1 && tooBig[0].contains("needs 1964544 bytes"))
    }

    /// Sizes from a hostile or broken caller are reported, never trapped on: the checks use
    /// the same overflow-checked arithmetic as the layout calculator.
    @Test func overflowingRequestsAreProblemsNotTraps() {
        let huge = FramebufferRequest(format: FourCC("XR24")!, width: Int.max / 2, height: 3, modifier: .linear,
                                      planes: [.init(handle: 1, offset: 0, pitch: Int.max / 2, bufferSize: 4096)])
        #expect(huge.problems() == ["plane 0: \(Int.max / 2)×3 with pitch \(Int.max / 2) and offset 0 does not fit in 64-bit sizes"])
        #expect(Self.request(pitch: Int.max, offset: Int.max).problems().first?.contains("does not fit in 64-bit sizes") == true)
    }

    @Test func chromaPlanesUseSubsampledSizes() {
        let nv12 = FramebufferRequest(format: FourCC("NV12")!, width: 641, height: 481, modifier: .linear, planes: [
            .init(handle: 1, offset: 0, pitch: 641, bufferSize: 641 * 481 + 642 * 241),
            .init(handle: 1, offset: 641 * 481, pitch: 640, bufferSize: 641 * 481 + 642 * 241),
        ])
        // Chroma is 321 pixels wide (rounded up) × 2 bytes: 642.
        #expect(nv12.problems() == ["plane 1: pitch 640 < 642 bytes (321 pixels × 2 bytes)"])
    }

    /// ADDFB2 takes its arrays by plane number; a plan whose planes live in separate
    /// buffers gives each plane its own buffer (and so its own GEM handle) at offset 0.
    @Test func eachPlaneOfASplitPlanNamesItsOwnBuffer() throws {
        let device = try ProfileParser.parse("name: split\nconstraints: { plane_placement: { 0: bank0, 1: bank1 } }\nusages: { scanout: { formats: [NV12] } }")
        let pipeline = Pipeline(width: 64, height: 32, participants: [Participant(device: device, usage: device.usages[0])])
        let plan = try #require(Resolver().resolve(pipeline).chosen)
        #expect(plan.layout.buffers.count == 2)
        let slots = DRMDevice.planeSlots(plan.layout)
        #expect(slots.map(\.buffer) == [0, 1])
        #expect(slots.map(\.offset) == [0, 0])
        #expect(slots.map(\.pitch) == [64, 64])

        let plain = try ProfileParser.parse("name: one\nusages: { scanout: { formats: [NV12] } }")
        let single = try #require(Resolver().resolve(Pipeline(width: 64, height: 32, participants: [
            Participant(device: plain, usage: plain.usages[0]),
        ])).chosen)
        #expect(DRMDevice.planeSlots(single.layout).map(\.buffer) == [0, 0])
        #expect(DRMDevice.planeSlots(single.layout).map(\.offset) == [0, 64 * 32])
    }

    // MARK: devices without hardware

    @Test func aNodeThatIsNotDRMIsRefusedByTheVersionIoctl() {
        do {
            _ = try DRMDevice.open(path: "/dev/null")
            Issue.record("/dev/null opened as a DRM device")
        } catch {
            #expect(error.operation == .drmVersion)
            #expect(error.description.contains("not a DRM device"))
        }
    }

    @Test func aMissingDriverSaysWhatWasFound() {
        do {
            _ = try DRMDevice.open(driver: "vkms", directory: "/nonexistent-dri")
            Issue.record("found vkms in an empty directory")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.description.contains("no DRM device with driver 'vkms' (no DRM card)"))
            #expect(error.remedy?.contains("CONFIG_DRM_VKMS") == true)
        }
        #expect(DRMDevice.list(directory: "/nonexistent-dri").isEmpty)
    }
}
