import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// Ownership of a `UniqueDMABuf` (memfd, so it runs on the host; `KernelHeapTests` does the
/// same on real heaps): its descriptor is closed exactly once, by whoever owns it last.
@Suite struct UniqueDMABufTests {
    @Test func closeReleasesTheDescriptor() throws {
        let before = KernelLab.openDescriptorCount()
        let buffer = try Memfd().allocateUnique(byteCount: 5000)
        let (size, isDMABuf) = (buffer.size, buffer.isDMABuf)
        #expect(size == 8192)
        #expect(!isDMABuf)
        #expect(KernelLab.openDescriptorCount() == before + 1)
        buffer.close()
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func goingOutOfScopeReleasesTheDescriptor() throws {
        let before = KernelLab.openDescriptorCount()
        do {
            let buffer = try Memfd().allocateUnique(byteCount: 4096)
            let fd = buffer.fd
            #expect(fd >= 0)
        }
        #expect(KernelLab.openDescriptorCount() == before)
    }

    /// Sharing moves the descriptor: the shared handle owns the same fd, and the unique
    /// value does not close it a second time.
    @Test func sharingMovesTheDescriptorIntoTheSharedHandle() throws {
        let before = KernelLab.openDescriptorCount()
        let unique = try Memfd().allocateUnique(byteCount: 4096)
        let fd = unique.fd
        let shared = DMABuf(unique)
        #expect(shared.fd == fd)
        #expect(shared.size == 4096 && !shared.isDMABuf && shared.origin == "memfd")
        #expect(KernelLab.openDescriptorCount() == before + 1)
        try shared.withCPUAccess(.write) { $0[0] = 0x5A }
        #expect(try shared.withCPUAccess(.read) { $0[0] } == 0x5A)
        shared.close()
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func releasedDescriptorStaysOpenForItsNewOwner() throws {
        let before = KernelLab.openDescriptorCount()
        let fd = try Memfd().allocateUnique(byteCount: 4096).releaseDescriptor()
        #expect(KernelLab.openDescriptorCount() == before + 1)
        #expect(Syscalls.close(fd).isSuccess)
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func cpuAccessWorksWithoutSharing() throws {
        let buffer = try Memfd().allocateUnique(byteCount: 4096)
        try buffer.withCPUAccess(.readWrite) { bytes in
            for i in 0..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 13) }
        }
        let readBack = try buffer.withCPUAccess(.read) { bytes in
            (0..<bytes.count).allSatisfy { bytes[$0] == UInt8(truncatingIfNeeded: $0 &* 13) }
        }
        #expect(readBack)
    }

    @Test func invalidLengthsAreRefusedLikeTheSharedPath() {
        #expect(throws: LinuxError.self) { _ = try Memfd().allocateUnique(byteCount: 0) }
        #expect(throws: LinuxError.self) { _ = try Memfd().allocateUnique(byteCount: Int.max) }
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
