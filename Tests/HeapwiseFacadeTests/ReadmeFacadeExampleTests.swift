import Foundation
import Heapwise
import HeapwiseCore
import HeapwiseLinux
import Testing

/// The README's "Allocating from Swift" example, as written there, in the kernel lab (from the
/// payload's directory, where `lab/` and `Profiles/` are).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["HEAPWISE_LAB"] == "1", "needs the kernel lab (HEAPWISE_LAB=1)"))
struct ReadmeFacadeExampleTests {
    @Test func allocatingThroughTheFrontDoorRunsAsDocumented() throws {
        let heapwise = try HeapwiseContext(HeapwiseOptions(profileDirectories: ["Profiles"]))  // broker: .automatic()
        let plan = try heapwise.plan(file: "lab/camera-to-display.yaml")   // vivid → vkms, both probed live
        guard let chosen = plan.chosen else { fatalError(plan.explanation) }  // why not, in heapwise plan's words
        print(chosen.format, chosen.modifier, chosen.heap)                 // XRGB8888 LINEAR system
        let buffers = try heapwise.allocate(plan, name: "camera")          // 4 images, named camera-0.0 … camera-3.0
        for buffer in buffers.buffers {
            try buffer.withCPUAccess(.write) { bytes in bytes.initializeMemory(as: UInt8.self, repeating: 0x80) }
            buffer.dmaBuf.withUnsafeDescriptor { fd in /* PRIME-import or queue fd with buffer.planes' offsets and strides */ }
        }
        let pool = try heapwise.pool(for: plan)                            // reuse instead of allocating per frame
        let frame = try pool.acquire(owner: PoolOwner(1))                  // zeroed for a new owner
        frame.release()

        #expect((chosen.format, chosen.modifier, chosen.heap) == ("XRGB8888", "LINEAR", "system"), "the comment's values")
        #expect(buffers.buffers.map { try? $0.dmaBuf.info().name } == ["camera-0.0", "camera-1.0", "camera-2.0", "camera-3.0"])
        #expect(try buffers.images[3][0].withCPUAccess(.read) { $0.allSatisfy { $0 == 0x80 } })
        #expect(buffers.route == .inProcess && !frame.reused)
    }
}
