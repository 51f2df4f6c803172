import Foundation
import Testing

@testable import HeapwiseCore

/// The DRM ↔ GStreamer format table and the caps strings `heapwise plan --as gst-caps` prints
/// and the GStreamer plugin negotiates with.
@Suite struct GStreamerCapsTests {
    /// Every row names a format Heapwise knows and a GStreamer format GStreamer declares (its
    /// `GST_VIDEO_FORMAT_*` enumerators in gst-plugins-base's `video-format.h`, when the
    /// development headers are installed, as scripts/test-all.sh installs them), each once.
    @Test func everyRowNamesRealFormatsOnce() throws {
        let drm = GStreamerFormatMap.mappings.map(\.drm)
        let gst = GStreamerFormatMap.mappings.map(\.gstreamer)
        #expect(Set(drm).count == drm.count)
        #expect(Set(gst).count == gst.count)
        for name in drm { #expect(FormatInfo.lookup(name) != nil, "\(name) is not in the format table") }
        let header = "/usr/include/gstreamer-1.0/gst/video/video-format.h"
        guard let text = try? String(contentsOfFile: header, encoding: .utf8) else { return }
        for name in gst { #expect(text.contains("GST_VIDEO_FORMAT_\(name),"), "GStreamer declares no GST_VIDEO_FORMAT_\(name)") }
    }

    /// Packed RGB: DRM names the order in a little-endian word, GStreamer the bytes in memory.
    @Test func packedRGBReversesTheName() {
        #expect(GStreamerFormatMap.gstreamerFormat(drmName: "XRGB8888") == "BGRx")
        #expect(GStreamerFormatMap.gstreamerFormat(drmName: "ABGR8888") == "RGBA")
        #expect(GStreamerFormatMap.gstreamerFormat(drmName: "RGB888") == "BGR")
        #expect(GStreamerFormatMap.gstreamerFormat(drmName: "YUV420") == "I420")
        #expect(GStreamerFormatMap.gstreamerFormat(drmName: "NV12") == "NV12")
        #expect(GStreamerFormatMap.gstreamerFormat(drmName: "XRGB8888_A8") == nil)
    }

    /// A linear layout has both forms; the DMA-DRM one drops the modifier, as GStreamer does.
    @Test func linearChoiceHasBothForms() throws {
        let caps = GStreamerCaps(fourcc: try #require(FourCC("NV12")), format: "NV12", modifier: 0, width: 1920, height: 1080)
        #expect(caps.classic == "video/x-raw,format=NV12,width=1920,height=1080")
        #expect(caps.dmaDRM == "video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=NV12,width=1920,height=1080")
    }

    /// A tiled or compressed layout has only the DMA-DRM form, with 16 hex digits.
    @Test func modifierNeedsDMADRM() throws {
        let afbc: UInt64 = 0x0800_0000_0000_0051
        let caps = GStreamerCaps(fourcc: try #require(FourCC("XR24")), format: "XRGB8888", modifier: afbc, width: 64, height: 32)
        #expect(caps.classic == nil)
        #expect(caps.dmaDRM == "video/x-raw(memory:DMABuf),format=DMA_DRM,drm-format=XR24:0x0800000000000051,width=64,height=32")
        let tiled = GStreamerCaps(fourcc: try #require(FourCC("NV12")), format: "NV12", modifier: 0x0100_0000_0000_0002, width: 64, height: 32)
        #expect(tiled.dmaDRM.contains("drm-format=NV12:0x0100000000000002,"))
    }

    /// A fourcc padded with spaces is quoted, or gst_caps_from_string would cut it.
    @Test func paddedFourccIsQuoted() throws {
        let caps = GStreamerCaps(fourcc: try #require(FourCC("R8  ")), format: "R8", modifier: 0, width: 8, height: 8)
        #expect(caps.classic == "video/x-raw,format=GRAY8,width=8,height=8")
        #expect(caps.dmaDRM.contains("drm-format=\"R8  \","))
    }

    /// A program that holds a device names its node; a file names the driver.
    @Test func referencesNameADriverOrANode() throws {
        let node = try #require(DeviceReference("v4l2:/dev/video3"))
        #expect(node.node == "/dev/video3" && node.kind == .v4l2)
        let driver = try #require(DeviceReference("drm:vkms"))
        #expect(driver.node == nil && driver.driver == "vkms")
    }

    /// The broker never opens a node a client names: such a participant is probed by the
    /// client and sent as profile text, and one arriving on the wire is refused.
    @Test func theWireCarriesNoNodes() throws {
        let reference = try #require(DeviceReference("drm:/dev/dri/card0"))
        let pipeline = PipelineDescription(width: 64, height: 64, count: 2, formats: nil,
                                           participants: [.init(device: .live(reference), usage: "scanout")])
        #expect(throws: InputError.self) { try pipeline.wireJSON() }
        let body = #"{"pipeline": {"width": 64, "height": 64, "count": 2, "formats": null, "participants": "#
            + #"[{"usage": "scanout", "profile": null, "live": "drm:/dev/dri/card0"}]}}"#
        do {
            _ = try BrokerRequest.decode(BrokerFrame(.plan, requestID: 1, body: Array(body.utf8)))
            Issue.record("a node reached the broker")
        } catch {
            #expect(error.message.contains("nodes the client holds"), "\(error.message)")
        }
    }
}
