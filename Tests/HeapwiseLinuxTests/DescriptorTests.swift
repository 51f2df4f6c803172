import Foundation
import Testing
@testable import HeapwiseLinux

/// `Descriptor` is the single owner of an open file: closed exactly once, by `close()` or
/// when it goes away, unless ownership is taken out.
@Suite(.serialized) struct DescriptorTests {
    static func isOpen(_ fd: Int32) -> Bool {
        FileManager.default.fileExists(atPath: "/proc/self/fd/\(fd)")
    }

    static func open() throws -> Descriptor {
        try DeviceNodes.open("/dev/null", O_RDONLY | O_CLOEXEC, message: "cannot open /dev/null")
    }

    @Test func closesWhenItGoesAway() throws {
        let before = KernelLab.openDescriptorCount()
        var raw: Int32 = -1
        do {
            let descriptor = try Self.open()
            raw = descriptor.rawValue
            #expect(Self.isOpen(raw))
        }
        #expect(KernelLab.openDescriptorCount() == before)
        #expect(raw >= 0)
    }

    @Test func closeAndTake() throws {
        let before = KernelLab.openDescriptorCount()
        let closed = try Self.open()
        closed.close()
        #expect(KernelLab.openDescriptorCount() == before)

        let taken = try Self.open().take()
        #expect(Self.isOpen(taken), "take() hands the descriptor over open")
        #expect(KernelLab.openDescriptorCount() == before + 1)
        _ = Glibc.close(taken)
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func duplicatesAreOwnedSeparately() throws {
        let before = KernelLab.openDescriptorCount()
        let original = try Self.open()
        do {
            let copy = try original.duplicate()
            #expect(copy.rawValue != original.rawValue)
            #expect(Self.isOpen(copy.rawValue))
        }
        #expect(Self.isOpen(original.rawValue), "closing the copy leaves the original open")
        #expect(KernelLab.openDescriptorCount() == before + 1)
    }

    /// A shared `DMABuf` lends the same descriptor its unique owner had, and closes it once.
    @Test func withUnsafeDescriptorLendsWithoutGivingAway() throws {
        let before = KernelLab.openDescriptorCount()
        let buffer = try Memfd().allocate(byteCount: 4096)
        let lent = buffer.withUnsafeDescriptor { $0 }
        #expect(Self.isOpen(lent))
        buffer.close()
        #expect(buffer.withUnsafeDescriptor { $0 } == -1)
        #expect(KernelLab.openDescriptorCount() == before)
    }
}
