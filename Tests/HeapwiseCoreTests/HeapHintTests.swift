import Testing
@testable import HeapwiseCore

/// Heap hints: board knowledge that ranks the heaps a plan may use, never more. A hint can
/// reorder viable heaps, cannot make a plan of an invalid one, and a hint naming a heap that
/// is missing or unfit is reported.
@Suite struct HeapHintTests {
    static let camera = try! ProfileParser.parse("name: cam\nusages: { write: { formats: [NV12] } }")
    static let display = try! ProfileParser.parse("""
        name: display
        constraints: { contiguous: true }
        usages: { scanout: { formats: [NV12] }, overlay: { formats: [NV12] } }
        """)

    func resolve(_ participants: [(DeviceProfile, String, HeapHint?)]) throws -> Resolution {
        let list = try participants.map { device, usage, hint in
            Participant(device: device, usage: try #require(device.usage(named: usage)), heapHint: hint)
        }
        return Resolver().resolve(Pipeline(width: 640, height: 480, count: 2, participants: list))
    }

    @Test func aHintRanksTheHeapsThatFit() throws {
        #expect(try resolve([(Self.camera, "write", nil)]).chosen?.heap.name == "system", "scattered memory first, without a hint")
        let hinted = try resolve([(Self.camera, "write", HeapHint(heaps: ["cma"], source: "test"))])
        #expect(hinted.chosen?.heap.name == "reserved", "a hint by kind")
        #expect(hinted.chosen?.fallbackHeaps == ["system"])
        #expect(hinted.heapHints.first?.problems == [])
    }

    @Test func aHintNeverMakesAPlanInvalid() throws {
        let r = try resolve([(Self.camera, "write", nil), (Self.display, "scanout", HeapHint(heaps: ["system"], source: "test"))])
        #expect(r.chosen?.heap.name == "reserved", "the display needs contiguous memory whatever the hint says")
        #expect(r.alternatives.allSatisfy { $0.heap.name != "system" })
        #expect(r.heapHints.first?.problems == [.cannotServe("system", reasons: [.heapNotContiguous])])
        #expect(r.text().contains("warning: the hint names heap 'system', which cannot serve the device: needs physically contiguous memory; the heap is scattered"))
    }

    @Test func aHintNamingAMissingHeapIsReported() throws {
        let r = try resolve([(Self.camera, "write", HeapHint(heaps: ["linux,cma", "reserved"], source: "hints file h.yaml"))])
        #expect(r.chosen?.heap.name == "reserved")
        #expect(r.heapHints.first?.problems == [.unknownHeap("linux,cma", catalog: ["system", "reserved"])])
        #expect(r.text().contains("Hint: cam (write) prefers linux,cma, reserved, from hints file h.yaml"))
        #expect(r.text().contains("warning: the hint names heap 'linux,cma', which this catalog does not have (it has system, reserved)"))
        let json = r.json.serialized(indent: nil)
        #expect(json.contains(#""heap_hints":[{"device":"cam","usage":"write","heaps":["linux,cma","reserved"],"source":"hints file h.yaml","problems":["#))
    }

    @Test func hintsFilesMatchByProfileOrLiveDeviceAndTheMostSpecificRuleWins() throws {
        let hints = try HeapHintsParser.parse("""
            hints:
              - { device: display, heaps: [system] }
              - { device: display, usage: overlay, heaps: [cma] }
              - { device: "v4l2:vivid", heaps: [reserved] }
            """, file: "h.yaml")
        #expect(hints.hint(for: Self.display, usage: "scanout")?.heaps == ["system"])
        #expect(hints.hint(for: Self.display, usage: "overlay")?.heaps == ["cma"], "a usage's rule beats the device's")
        #expect(hints.hint(for: Self.display, usage: "overlay")?.source == "hints file h.yaml")
        let vivid = try ProfileParser.parse("name: v4l2-vivid\nusages: { write: { formats: [NV12] } }")
        #expect(hints.hint(for: vivid, usage: "write")?.heaps == ["reserved"], "v4l2:vivid names the probed profile v4l2-vivid")
        #expect(hints.hint(for: Self.camera, usage: "write") == nil)
    }

    @Test func malformedHintsFilesAreNamed() {
        func message(_ text: String) -> String? {
            do {
                _ = try HeapHintsParser.parse(text, file: "h.yaml")
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message("hints:\n  - { device: cam }\n")?.contains("heaps") == true)
        #expect(message("hints:\n  - { device: cam, heaps: [] }\n")?.contains("at least one heap") == true)
        #expect(message("hints:\n  - { device: cam, heap: [system] }\n")?.contains("heap") == true)
        #expect(message("hint: []\n")?.contains("hints") == true)
        #expect(message("hints:\n  - { device: '', heaps: [system] }\n")?.contains("names a device") == true)
    }
}
