import SystemPackage
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// Error paths the real kernel will not produce on demand: the syscall funnel is made to
/// fail (debug builds only) and the typed error, retry policy and cleanup are checked.
@Suite struct MockedSyscallTests {
    @Test func interruptedFtruncateIsRetried() throws {
        let (buffer, unused) = try Mocking.with([.ftruncate: [.interrupted, .interrupted]]) {
            try Memfd().allocate(byteCount: 4096)
        }
        #expect(unused == 0)
        #expect(buffer.size == 4096)
    }

    @Test func outOfMemoryBecomesATypedErrorWithoutLeaking() throws {
        let before = KernelLab.openDescriptorCount()
        do {
            _ = try Mocking.with([.ftruncate: [.noMemory]]) { try Memfd().allocate(byteCount: 4096) }
            Issue.record("allocation succeeded despite ENOMEM")
        } catch let error as LinuxError {
            #expect(error.code == .outOfMemory)
            #expect(error.errno == .noMemory)
            #expect(error.remedy?.contains("fallback") == true)
        }
        #expect(KernelLab.openDescriptorCount() == before)
    }

    @Test func failedMappingIsReportedAndTheBodyNeverRuns() throws {
        let buffer = try Memfd().allocate(byteCount: 4096)
        var ran = false
        do {
            _ = try Mocking.with([.mmap: [.noMemory]]) {
                try buffer.withCPUAccess(.write) { _ in ran = true }
            }
            Issue.record("mapping succeeded despite ENOMEM")
        } catch let error as LinuxError {
            #expect(error.operation == .mmap)
        }
        #expect(!ran)
    }

    /// The body's own error is the one reported, and the mapping is still undone.
    @Test func bodyErrorsWinAndTheMappingIsReleased() throws {
        struct BodyFailed: Error {}
        let buffer = try Memfd().allocate(byteCount: 4096)
        #expect(throws: BodyFailed.self) {
            try buffer.withCPUAccess(.readWrite) { _ in throw BodyFailed() }
        }
        // A second access must still work: nothing was left mapped or locked.
        try buffer.withCPUAccess(.read) { bytes in #expect(bytes.count == 4096) }
    }

    @Test func permissionDeniedNamesTheRemedy() {
        let error = LinuxError.from(.permissionDenied, node: "/dev/dma_heap/reserved", operation: .open)
        #expect(error.code == .permissionDenied)
        #expect(error.description.contains("/dev/dma_heap/reserved"))
        #expect(error.description.contains("udev rule"))
    }
}

/// Descriptors handed in by callers are input: a closed or foreign one is an error to report,
/// not a crash.
@Suite struct ImportTests {
    @Test func closedDescriptorIsAnInvalidDescriptorError() {
        do {
            _ = try DMABuf(importing: 987_654)
            Issue.record("imported a descriptor that is not open")
        } catch {
            #expect(error.code == .invalidDescriptor)
            #expect(error.errno == .badFileDescriptor)
            #expect(error.description.contains("987654"))
        }
        let negative = #expect(throws: LinuxError.self) { try DMABuf(importing: -1) }
        #expect(negative?.code == .invalidDescriptor && negative?.operation == .importBuffer)
    }

    @Test func aMemfdIsNotADMABuf() throws {
        let before = KernelLab.openDescriptorCount()
        let memfd = try Memfd().allocate(byteCount: 4096)
        do {
            _ = try DMABuf(importing: memfd.fd)
            Issue.record("a memfd was taken for a dma-buf")
        } catch {
            #expect(error.description.contains("is not a dma-buf"))
        }
        memfd.close()
        #expect(KernelLab.openDescriptorCount() == before)
    }
}
