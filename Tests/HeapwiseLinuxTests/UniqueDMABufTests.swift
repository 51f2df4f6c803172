import SystemPackage
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

    /// Hands the dispatcher's length to the test instead of the kernel.
    final class Recording: BufferAllocator {
        let heap = Memfd.description
        let node = "recording"
        var lengths: [Int] = []
        func allocatePageAligned(_ length: Int) throws(LinuxError) -> UniqueDMABuf {
            lengths.append(length)
            throw LinuxError(code: .failed, node: node, operation: .allocate, message: "recorded")
        }
        func baselineAllocateFree(_ length: Int) -> Result<Duration, Errno> { .failure(.notSupported) }
    }

    /// `allocateUnique` rounds up to whole pages and refuses, before any allocator sees it, a
    /// length that is not positive or that rounding would overflow; the largest length that
    /// rounds without overflow still goes through.
    @Test func lengthsAreRoundedToPagesOrRefused() {
        let page = Syscalls.pageSize
        let largest = Int.max - (page - 1)
        let recording = Recording()
        for length in [1, page - 1, page, page + 1, largest] {
            #expect(throws: LinuxError.self) { _ = try recording.allocateUnique(byteCount: length) }
        }
        #expect(recording.lengths == [page, page, page, 2 * page, largest])
        for length in [0, -1, Int.min, largest + 1, Int.max] {
            do {
                _ = try recording.allocateUnique(byteCount: length)
                Issue.record("allocateUnique accepted \(length) bytes")
            } catch {
                #expect(error.code == .invalidLength, "\(length) bytes")
            }
        }
        #expect(recording.lengths.count == 5, "refused lengths never reach the allocator")
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
