import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// CPU access that spans calls (the C API's begin/end pair) and giving a shared buffer's
/// descriptor away (heapwise_buffer_take_fd), on memfd buffers here; the lab runs the C tests
/// over them against real dma-bufs.
@Suite struct CPUMappingTests {
    @Test func aMappingLastsUntilItIsEndedAndEndsOnce() throws {
        let buffer = try Memfd().allocate(byteCount: 8192)
        let mapping = try CPUMapping(buffer, .write)
        #expect(mapping.bytes.count == 8192 && !mapping.isEnded)
        mapping.bytes.storeBytes(of: 0x5A, toByteOffset: 4000, as: UInt8.self)
        try mapping.end()
        try mapping.end()  // later calls do nothing
        #expect(mapping.isEnded)
        let seen = try buffer.withCPUAccess(.read) { $0[4000] }
        #expect(seen == 0x5A)
    }

    @Test func aFailedMappingThrowsTheKernelsError() throws {
        let buffer = try Memfd().allocate(byteCount: 4096)
        let error = #expect(throws: LinuxError.self) {
            _ = try Mocking.with([.mmap: [.noMemory]]) { try CPUMapping(buffer, .read) }
        }
        #expect(error?.operation == .mmap && error?.errno == .noMemory)
    }

    @Test func aMappingNeverEndedIsUnmappedWhenItGoes() throws {
        let buffer = try Memfd().allocate(byteCount: 4096)
        func memfdMappings() throws -> Int {
            try UserFiles.read("/proc/self/maps").split(separator: "\n").filter { $0.contains("/memfd:heapwise") }.count
        }
        let before = try memfdMappings()
        do {
            let mapping = try CPUMapping(buffer, .readWrite)
            #expect(try memfdMappings() == before + 1 && !mapping.isEnded)
        }
        #expect(try memfdMappings() == before, "the mapping went with the object")
    }

    @Test func releasingTheDescriptorGivesItAwayForEveryHolder() throws {
        let before = KernelLab.openDescriptorCount()
        let buffer = try Memfd().allocate(byteCount: 4096)
        let fd = buffer.releaseDescriptor()
        #expect(fd >= 0 && buffer.fd == -1)
        #expect(buffer.releaseDescriptor() == -1, "only once")
        #expect(KernelLab.openDescriptorCount() == before + 1, "still open: the caller owns it")
        _ = Syscalls.close(fd)
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func aBuildTreeIsNotAnInstallation() {
        #expect(Installation.dataDirectory == nil, "swift build's folders hold no share/heapwise/profiles")
    }
}
