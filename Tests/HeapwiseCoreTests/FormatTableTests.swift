import Testing

@testable import HeapwiseCore

/// Rows copied by hand from Linux 6.1 (Debian 6.1.192) drivers/gpu/drm/drm_fourcc.c,
/// `formats[]` in `__drm_format_info()`, and the codes from include/uapi/drm/drm_fourcc.h.
/// Unused planes have cpp 0 and block size 1; hsub/vsub are as the row states them.
private struct Row: CustomTestStringConvertible {
    let name: String
    let fourcc: String
    let planes: Int
    let cpp: [Int]
    var blockWidth = [1, 1, 1, 1]
    var blockHeight = [1, 1, 1, 1]
    var hsub = 1
    var vsub = 1
    var isYUV = false
    var hasAlpha = false

    var testDescription: String { name }
}

private let kernelRows: [Row] = [
    Row(name: "XRGB8888", fourcc: "XR24", planes: 1, cpp: [4, 0, 0, 0]),
    Row(name: "ARGB8888", fourcc: "AR24", planes: 1, cpp: [4, 0, 0, 0], hasAlpha: true),
    Row(name: "RGB565", fourcc: "RG16", planes: 1, cpp: [2, 0, 0, 0]),
    Row(name: "RGB888", fourcc: "RG24", planes: 1, cpp: [3, 0, 0, 0]),
    Row(name: "C8", fourcc: "C8  ", planes: 1, cpp: [1, 0, 0, 0]),
    Row(name: "R8", fourcc: "R8  ", planes: 1, cpp: [1, 0, 0, 0]),
    Row(name: "R10", fourcc: "R10 ", planes: 1, cpp: [2, 0, 0, 0]),
    Row(name: "C1", fourcc: "C1  ", planes: 1, cpp: [1, 0, 0, 0], blockWidth: [8, 1, 1, 1]),
    Row(name: "XRGB2101010", fourcc: "XR30", planes: 1, cpp: [4, 0, 0, 0]),
    Row(name: "ABGR16161616F", fourcc: "AB4H", planes: 1, cpp: [8, 0, 0, 0], hasAlpha: true),
    Row(name: "XRGB8888_A8", fourcc: "XRA8", planes: 2, cpp: [4, 1, 0, 0], hasAlpha: true),
    Row(name: "NV12", fourcc: "NV12", planes: 2, cpp: [1, 2, 0, 0], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "NV21", fourcc: "NV21", planes: 2, cpp: [1, 2, 0, 0], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "NV16", fourcc: "NV16", planes: 2, cpp: [1, 2, 0, 0], hsub: 2, vsub: 1, isYUV: true),
    Row(name: "NV24", fourcc: "NV24", planes: 2, cpp: [1, 2, 0, 0], isYUV: true),
    Row(name: "P010", fourcc: "P010", planes: 2, cpp: [2, 4, 0, 0], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "P210", fourcc: "P210", planes: 2, cpp: [2, 4, 0, 0], hsub: 2, vsub: 1, isYUV: true),
    Row(name: "P016", fourcc: "P016", planes: 2, cpp: [2, 4, 0, 0], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "YUV420", fourcc: "YU12", planes: 3, cpp: [1, 1, 1, 0], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "YVU420", fourcc: "YV12", planes: 3, cpp: [1, 1, 1, 0], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "YUV410", fourcc: "YUV9", planes: 3, cpp: [1, 1, 1, 0], hsub: 4, vsub: 4, isYUV: true),
    Row(name: "YUV444", fourcc: "YU24", planes: 3, cpp: [1, 1, 1, 0], isYUV: true),
    Row(name: "YUYV", fourcc: "YUYV", planes: 1, cpp: [2, 0, 0, 0], hsub: 2, vsub: 1, isYUV: true),
    Row(name: "UYVY", fourcc: "UYVY", planes: 1, cpp: [2, 0, 0, 0], hsub: 2, vsub: 1, isYUV: true),
    Row(name: "AYUV", fourcc: "AYUV", planes: 1, cpp: [4, 0, 0, 0], isYUV: true, hasAlpha: true),
    Row(name: "XYUV8888", fourcc: "XYUV", planes: 1, cpp: [4, 0, 0, 0], isYUV: true),
    Row(name: "Y210", fourcc: "Y210", planes: 1, cpp: [4, 0, 0, 0], hsub: 2, vsub: 1, isYUV: true),
    Row(name: "Y410", fourcc: "Y410", planes: 1, cpp: [4, 0, 0, 0], isYUV: true, hasAlpha: true),
    Row(name: "Y416", fourcc: "Y416", planes: 1, cpp: [8, 0, 0, 0], isYUV: true, hasAlpha: true),
    Row(
        name: "Y0L0", fourcc: "Y0L0", planes: 1, cpp: [8, 0, 0, 0], blockWidth: [2, 1, 1, 1],
        blockHeight: [2, 1, 1, 1], hsub: 2, vsub: 2, isYUV: true, hasAlpha: true),
    Row(
        name: "X0L0", fourcc: "X0L0", planes: 1, cpp: [8, 0, 0, 0], blockWidth: [2, 1, 1, 1],
        blockHeight: [2, 1, 1, 1], hsub: 2, vsub: 2, isYUV: true),
    Row(
        name: "X0L2", fourcc: "X0L2", planes: 1, cpp: [8, 0, 0, 0], blockWidth: [2, 1, 1, 1],
        blockHeight: [2, 1, 1, 1], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "Q410", fourcc: "Q410", planes: 3, cpp: [2, 2, 2, 0], isYUV: true),
    Row(name: "Q401", fourcc: "Q401", planes: 3, cpp: [2, 2, 2, 0], isYUV: true),
    Row(
        name: "NV15", fourcc: "NV15", planes: 2, cpp: [5, 5, 0, 0], blockWidth: [4, 2, 1, 1],
        hsub: 2, vsub: 2, isYUV: true),
    Row(
        name: "P030", fourcc: "P030", planes: 2, cpp: [4, 8, 0, 0], blockWidth: [3, 3, 1, 1],
        hsub: 2, vsub: 2, isYUV: true),
    // Only usable with a non-linear modifier: the kernel gives them no cpp.
    Row(name: "YUV420_8BIT", fourcc: "YU08", planes: 1, cpp: [0, 0, 0, 0], hsub: 2, vsub: 2, isYUV: true),
    Row(name: "VUY101010", fourcc: "VU30", planes: 1, cpp: [0, 0, 0, 0], isYUV: true),
]

@Suite("DRM format table")
struct FormatTableTests {
    @Test("rows match drm_fourcc.c", arguments: kernelRows)
    fileprivate func row(_ expected: Row) throws {
        let info = try #require(FormatInfo.drmFormats.first { $0.name == expected.name })
        #expect(info.fourcc == FourCC(expected.fourcc))
        #expect(info.fourcc.description == expected.fourcc)
        #expect(info.planes == expected.planes)
        #expect(info.cpp == expected.cpp)
        #expect(info.blockWidth == expected.blockWidth)
        #expect(info.blockHeight == expected.blockHeight)
        #expect(info.hsub == expected.hsub)
        #expect(info.vsub == expected.vsub)
        #expect(info.isYUV == expected.isYUV)
        #expect(info.hasAlpha == expected.hasAlpha)
    }

    /// drm_fourcc.c in 6.1.192 has 118 `.format =` rows in `formats[]`; two of them
    /// (XRGB1555 and RGB565 with DRM_FORMAT_BIG_ENDIAN) exist only under `#ifdef __BIG_ENDIAN`.
    @Test func hasEveryLittleEndianRowInKernelOrder() {
        let names = FormatInfo.drmFormats.map(\.name)
        #expect(names.count == 116)
        #expect(names.first == "C1")
        #expect(names.last == "P030")
        let nv = names.filter { $0.hasPrefix("NV") }
        #expect(nv == ["NV12", "NV21", "NV16", "NV61", "NV24", "NV42", "NV15"])
    }

    @Test func leavesOutFormatsTheTableDoesNotList() {
        // Defined in drm_fourcc.h but absent from formats[] in 6.1.
        for name in ["R16", "RG88", "GR88", "RG1616", "AVUY8888", "XVUY8888"] {
            #expect(FormatInfo.lookup(name) == nil, "\(name)")
        }
    }

    @Test func namesAndCodesAreUnique() {
        let formats = FormatInfo.drmFormats
        #expect(Set(formats.map(\.name)).count == formats.count)
        #expect(Set(formats.map(\.fourcc)).count == formats.count)
    }

    @Test func blockSizesAndSubsamplingAreNeverZero() {
        for info in FormatInfo.drmFormats {
            #expect(
                info.blockWidth.allSatisfy { $0 >= 1 } && info.blockHeight.allSatisfy { $0 >= 1 },
                "\(info.name)")
            #expect(info.hsub >= 1 && info.vsub >= 1, "\(info.name)")
        }
    }
}

@Suite("Format lookup")
struct FormatLookupTests {
    @Test(arguments: [
        ("NV12", "NV12"), ("nv12", "NV12"), ("DRM_FORMAT_NV12", "NV12"), ("drm_format_xrgb8888", "XRGB8888"),
        ("xrgb8888", "XRGB8888"), ("XR24", "XRGB8888"), ("xr24", "XRGB8888"), ("AB4H", "ABGR16161616F"),
        ("R8  ", "R8"), ("R8", "R8"), ("r8", "R8"), ("R10 ", "R10"), ("C8", "C8"), ("YU12", "YUV420"),
        ("XRA8", "XRGB8888_A8"),
    ])
    func findsByNameOrCode(text: String, name: String) {
        #expect(FormatInfo.lookup(text)?.name == name)
        #expect((try? FormatInfo.parse(text))?.name == name)
    }

    @Test func findsByExactFourCC() throws {
        let code = try #require(FourCC("XR24"))
        #expect(FormatInfo.lookup(code)?.name == "XRGB8888")
        #expect(FormatInfo.lookup(FourCC(rawValue: 0x3432_5258))?.name == "XRGB8888")
        #expect(FormatInfo.lookup(FourCC(rawValue: 0)) == nil)
    }

    @Test func everyRowIsFoundByItsNameAndCode() {
        for info in FormatInfo.drmFormats {
            #expect(FormatInfo.lookup(info.name) == info)
            #expect(FormatInfo.lookup(info.fourcc.description) == info)
            #expect(FormatInfo.lookup(info.fourcc) == info)
        }
    }

    @Test func rejectsNonsense() {
        for text in ["", "  ", "XR2", "XRGB88888", "NV12 ", "DRM_FORMAT_", "0x34325258"] {
            #expect(FormatInfo.lookup(text) == nil, "\(text)")
        }
    }

    @Test func suggestsTheClosestName() {
        #expect(throws: FormatError.unknownFormat("NV21X", suggestion: "NV21")) {
            try FormatInfo.parse("NV21X")
        }
        #expect(throws: FormatError.unknownFormat("xrgb88888", suggestion: "XRGB8888")) {
            try FormatInfo.parse("xrgb88888")
        }
        #expect(throws: FormatError.unknownFormat("DRM_FORMAT_P0100", suggestion: "P010")) {
            try FormatInfo.parse("DRM_FORMAT_P0100")
        }
        #expect(throws: FormatError.unknownFormat("hello", suggestion: nil)) { try FormatInfo.parse("hello") }
    }

    @Test func errorMessages() {
        #expect(
            FormatError.unknownFormat("NV21X", suggestion: "NV21").description
                == "unknown format 'NV21X': did you mean NV21? (see 'heapwise formats')")
        #expect(
            FormatError.unknownFormat("hello", suggestion: nil).description
                == "unknown format 'hello' (see 'heapwise formats')")
    }

    @Test func editDistance() {
        func distance(_ a: String, _ b: String) -> Int {
            NameMatch.editDistance(Array(a.utf8), Array(b.utf8))
        }
        #expect(distance("", "") == 0)
        #expect(distance("NV12", "") == 4)
        #expect(distance("kitten", "sitting") == 3)
        #expect(distance("NV21X", "NV21") == 1)
    }
}
