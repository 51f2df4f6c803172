import Foundation
import HeapwiseCore
import HeapwiseLoading
import Testing
@testable import heapwise

/// The shipped examples are documentation: each must keep resolving to the plan the README
/// and its own comments describe, with layouts that match the drivers' arithmetic.
@Suite struct ExampleTests {
    /// The checkout, or HEAPWISE_REPO where the tests run away from it (the kernel lab copies
    /// Examples/ and Profiles/ into its payload).
    static let repository = ProcessInfo.processInfo.environment["HEAPWISE_REPO"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func resolve(_ example: String, heaps: String? = nil) throws -> Resolution {
        let pipeline = try Loader.pipeline(Self.repository + "/Examples/" + example)
        let catalog = try heaps.map { try Loader.heapCatalog(Self.repository + "/" + $0) } ?? .builtIn
        return Resolver(catalog: catalog).resolve(pipeline)
    }

    /// (offset, stride, size) for each plane of each buffer.
    func planes(_ plan: Plan?) -> [[[Int]]] {
        plan?.layout.buffers.map { $0.planes.map { [$0.offset, $0.stride, $0.size] } } ?? []
    }

    @Test func videoPlaybackDecoderMacroblocksToDisplay() throws {
        let chosen = try #require(try resolve("video-playback.yaml").chosen)
        #expect(chosen.summary == "NV12 ('NV12') LINEAR on heap system")
        // Hantro writes 1088 rows (16-row macroblocks); chroma follows at pitch × 1088.
        #expect(planes(chosen) == [[[0, 1920, 2_088_960], [2_088_960, 1920, 1_044_480]]])
    }

    @Test func cameraPreviewUsesScatteredMemory() throws {
        let chosen = try #require(try resolve("camera-preview.yaml").chosen)
        #expect(chosen.summary == "YUYV ('YUYV') LINEAR on heap system")
        #expect(planes(chosen) == [[[0, 2560, 1_843_200]]])
    }

    @Test func splitBankDisplayGetsOneBufferPerPlane() throws {
        let chosen = try #require(try resolve("split-bank-display.yaml").chosen)
        #expect(chosen.summary == "NV12 ('NV12') SAMSUNG_64_32_TILE on heap reserved")
        // s5p-mfc: luma 1280 × ALIGN(720, 32), chroma 1280 × ALIGN(360, 32), each in its own bank.
        #expect(planes(chosen) == [[[0, 1280, 942_080]], [[0, 1280, 491_520]]])
    }

    @Test func tvCaptureNeedsMemoryBelow4GiB() throws {
        let r = try resolve("tv-capture-to-gpu.yaml")
        #expect(r.chosen?.summary == "YUYV ('YUYV') LINEAR on heap reserved")
        #expect(r.rejected.contains { $0.device == "dma32-device" && $0.heap == "system" })
    }

    @Test func cameraRecordingNeedsThePisLowCMA() throws {
        #expect(try resolve("camera-recording.yaml").chosen == nil)
        let chosen = try #require(try resolve("camera-recording.yaml", heaps: "Examples/heaps/rpi4.yaml").chosen)
        #expect(chosen.summary == "NV12 ('NV12') LINEAR on heap linux,cma")
        #expect(planes(chosen) == [[[0, 1920, 2_073_600], [2_073_600, 1920, 1_036_800]]])
    }

    /// Panfrost and VOP2 agree on AFBC; the buffer is the kernel's AFBC minimum size.
    @Test func gpuCompositeNegotiatesAFBC() throws {
        let r = try resolve("gpu-composite-afbc.yaml")
        #expect(r.chosen?.summary == "XRGB8888 ('XR24') ARM_AFBC(BLOCK_SIZE_16x16|YTR|SPARSE) on heap system")
        #expect(r.chosen?.layout.size == 8_486_400)
        #expect(r.alternatives.contains { $0.modifier == .linear })
    }

    /// The webcam has no 1000×562 mode: refused with its modes, and 1280×720 suggested.
    @Test func aWebcamSizeWithoutAModeSuggestsTheNearest() throws {
        let r = try resolve("webcam-wrong-size.yaml")
        #expect(r.chosen == nil)
        #expect(r.suggestedSize == FrameSize(width: 1280, height: 720))
        #expect(r.rejected.map(\.description).contains(
            "uvc-webcam: YUYV/LINEAR: 1000×562 is not a frame size it produces (320×180, 640×360, 640×480, 1280×720, 1920×1080)"))
    }

    @Test(arguments: ["unsatisfiable.yaml", "unsatisfiable-formats.yaml", "webcam-wrong-size.yaml"])
    func unsatisfiableExamplesExplainThemselves(_ example: String) throws {
        let r = try resolve(example)
        #expect(r.chosen == nil)
        #expect(!r.rejected.isEmpty)
        #expect(r.rejected.allSatisfy { $0.device != nil })
    }
}
