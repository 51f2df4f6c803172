import Testing
@testable import HeapwiseLinux

/// A buffer's origin is inline text of at most 63 bytes; messages must still read right.
@Suite struct DMABufOriginTests {
    @Test(arguments: ["", "memfd", "/dev/dma_heap/system", "/dev/dma_heap/default_cma_region", String(repeating: "x", count: 63)])
    func textThatFitsIsKeptExactly(_ text: String) {
        #expect(DMABufOrigin(text).description == text)
    }

    @Test func longerTextIsCutAndMarked() {
        let long = "/dev/video0 video-capture-mplane buffer 31 plane 2 of a very long origin"
        let origin = DMABufOrigin(long).description
        #expect(origin.utf8.count <= DMABufOrigin.capacity)
        #expect(origin.hasSuffix("…"))
        #expect(long.hasPrefix(String(origin.dropLast())))
        // One byte over the capacity is already cut.
        #expect(DMABufOrigin(String(repeating: "y", count: 64)).description == String(repeating: "y", count: 60) + "…")
    }

    /// A cut never splits a multi-byte character into an invalid sequence.
    @Test func cutsFallOnCharacterBoundaries() {
        let text = String(repeating: "a", count: 59) + "éééé"
        let origin = DMABufOrigin(text).description
        #expect(!origin.contains("\u{FFFD}"))
        #expect(origin == String(repeating: "a", count: 59) + "…")
    }

    @Test func equalTextIsEqual() {
        #expect(DMABufOrigin("memfd") == DMABufOrigin("memfd"))
        #expect(DMABufOrigin("memfd") != DMABufOrigin("udmabuf"))
        #expect(Set([DMABufOrigin("a"), DMABufOrigin("a")]).count == 1)
    }
}
