import Foundation
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The sysfs `dma_heap` link a patched kernel puts in a device's directory. No kernel the lab
/// runs creates one (the proposal never merged), so these tests build the directory the way
/// such a kernel would and read it through the same funnel.
@Suite struct HeapLinkTests {
    @Test func aLinkNamesTheHeapItPointsAt() throws {
        let device = NSTemporaryDirectory() + "heapwise-sysfs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: device, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: device) }
        #expect(HeapLinks.heap(linkedFrom: device) == nil, "no link, no hint")
        try FileManager.default.createSymbolicLink(atPath: device + "/dma_heap", withDestinationPath: "../../../class/dma_heap/linux,cma")
        let hint = try #require(HeapLinks.heap(linkedFrom: device))
        #expect(hint.heaps == ["linux,cma"])
        #expect(hint.source == "sysfs link \(device)/dma_heap")
    }

    @Test func aDeviceThatIsNotHereHasNoLink() {
        #expect(HeapLinks.heap(for: DeviceReference(kind: .v4l2, driver: "no-such-driver")) == nil)
        #expect(HeapLinks.heap(for: DeviceReference(kind: .drm, driver: "no-such-driver")) == nil)
    }
}
