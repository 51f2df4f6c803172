import CHeapwiseLinux
import Foundation
import SystemPackage
import Testing
@testable import HeapwiseLinux

/// The funnel's failure injection works per kernel call and, optionally, per argument: a
/// test can fail exactly `DMA_BUF_IOCTL_SYNC` END and see what Heapwise did afterwards.
@Suite(.serialized) struct FunnelMockingTests {
    /// `DMA_BUF_IOCTL_SYNC` with END in its flags (the second recorded argument).
    static let isEnd: @Sendable ([Int]) -> Bool = { $0.count > 1 && UInt64($0[1]) & hw_DMA_BUF_SYNC_END != 0 }

    /// A memfd dressed as a dma-buf: the host has no dma-buf heap, so the mock answers the
    /// sync ioctls the memfd would refuse. (The lab repeats this on a real system-heap buffer.)
    static func fakeDMABuf(_ name: StaticString) throws -> UniqueDMABuf {
        UniqueDMABuf(adopting: try Memfd.create(length: 4096, sealable: false, name: name), size: 4096,
                     origin: DMABufOrigin("mock dma-buf"), isDMABuf: true)
    }

    /// Lines of /proc/self/maps that map a file whose name contains `name`.
    static func mappings(of name: String) -> [Substring] {
        (ProcFiles.read("/proc/self/maps") ?? "").split(separator: "\n").filter { $0.contains(name) }
    }

    @Test func failingOnlySyncEndIsReportedAndTheMappingIsReleased() throws {
        let buffer = try Self.fakeDMABuf("hw-sync-end")
        let rules: [Mocking.Rule] = [
            .succeed(.dmaBufSync, when: { !Self.isEnd($0) }),
            .fail(.dmaBufSync, with: .noMemory, when: Self.isEnd),
        ]
        var sawMapping = false
        let (error, script) = Mocking.with(rules: rules) { () -> LinuxError? in
            do {
                try buffer.withCPUAccess(.write) { bytes in
                    sawMapping = !Self.mappings(of: "hw-sync-end").isEmpty
                    bytes[0] = 1
                }
                return nil
            } catch { return error as? LinuxError }
        }
        #expect(sawMapping, "the body ran with the buffer mapped")
        #expect(error?.operation == .dmaBufSync)
        #expect(error?.errno == .noMemory)
        #expect(error?.message == "cache synchronisation (END) failed")
        #expect(script.unused == 0)
        // The body's own reads of /proc/self/maps are recorded too; the access is the rest.
        #expect(script.calls.filter { [.mmap, .dmaBufSync, .munmap].contains($0) } == [.mmap, .dmaBufSync, .dmaBufSync, .munmap])
        #expect(script.records.last?.mocked == nil, "munmap really ran")
        #expect(Self.mappings(of: "hw-sync-end").isEmpty, "nothing is left mapped")
    }

    /// When the body throws and END fails too, the body's error is the one reported (as
    /// swift-system's `closeAfter` does), and the mapping is still released.
    @Test func theBodysErrorWinsOverAFailedSyncEnd() throws {
        struct BodyFailed: Error, Equatable {}
        let buffer = try Self.fakeDMABuf("hw-body-wins")
        let rules: [Mocking.Rule] = [
            .succeed(.dmaBufSync, when: { !Self.isEnd($0) }),
            .fail(.dmaBufSync, with: .noMemory, when: Self.isEnd),
        ]
        let (thrown, script) = Mocking.with(rules: rules) { () -> (any Error)? in
            do { try buffer.withCPUAccess(.readWrite) { _ in throw BodyFailed() }; return nil } catch { return error }
        }
        #expect(thrown as? BodyFailed == BodyFailed())
        #expect(script.unused == 0, "END was attempted and failed")
        #expect(script.calls == [.mmap, .dmaBufSync, .dmaBufSync, .munmap])
        #expect(Self.mappings(of: "hw-body-wins").isEmpty)
    }

    /// A rule fires only for its call, only when its predicate accepts the arguments, and
    /// only as many times as it says; every call is recorded in order.
    @Test func rulesMatchOneCallItsArgumentsAndACount() throws {
        let rules: [Mocking.Rule] = [
            .fail(.ftruncate, with: .noSpace, times: 2, when: { $0.count > 1 && $0[1] == 8192 }),
        ]
        let (outcomes, script) = Mocking.with(rules: rules) { () -> [LinuxError.Code?] in
            [4096, 8192, 8192, 8192].map { (length: Int) -> LinuxError.Code? in
                do { _ = try Memfd().allocateUnique(byteCount: length); return nil } catch { return (error as? LinuxError)?.code }
            }
        }
        let expected: [LinuxError.Code?] = [nil, .failed, .failed, nil]
        #expect(outcomes == expected)
        #expect(script.unused == 0)
        let truncations: [Mocking.Outcome?] = script.records.filter { $0.call == KernelCall.ftruncate }.map { $0.mocked }
        let answered: [Mocking.Outcome?] = [nil, .fail(.noSpace), .fail(.noSpace), nil]
        #expect(truncations == answered)
        let creations = script.records.filter { $0.call == KernelCall.memfdCreate }
        #expect(creations.count == 4 && creations.allSatisfy { $0.mocked == nil }, "memfd_create itself was never failed")
    }

    /// A mock can only stand in for a success that carries no data: `mmap` has to return an
    /// address, so `.succeed` is ignored for it and the real call runs.
    @Test func succeedIsIgnoredForCallsThatReturnData() throws {
        let buffer = try Memfd().allocateUnique(byteCount: 4096)
        let (count, script) = try Mocking.with(rules: [.succeed(.mmap)]) {
            try buffer.withCPUAccess(.read) { $0.count }
        }
        #expect(count == 4096)
        #expect(script.records.first { $0.call == .mmap }?.mocked == .succeed)
    }

    /// Directory listing, readlink and access go through the funnel too, so they can fail on demand.
    @Test func fileCallsGoThroughTheFunnel() {
        let (listing, _) = Mocking.with([.openDirectory: [.permissionDenied]]) { Syscalls.listDirectory("/proc/self/fd") }
        #expect(throws: Errno.permissionDenied) { try listing.get() }
        #expect((try? Syscalls.listDirectory("/proc/self/fd").get())?.isEmpty == false)
        let (link, _) = Mocking.with([.readlink: [.noSuchFileOrDirectory]]) { Syscalls.readlink("/proc/self/exe") }
        #expect(throws: Errno.noSuchFileOrDirectory) { try link.get() }
        #expect((try? Syscalls.readlink("/proc/self/exe").get())?.hasPrefix("/") == true)
        let (access, _) = Mocking.with([.access: [.permissionDenied]]) { DeviceNodes.isAccessible("/proc/self/maps", 0) }
        #expect(!access)
        #expect(DeviceNodes.isAccessible("/proc/self/maps", 0))
    }

    /// Every kernel call has a distinct printed name, the kernel's own spelling.
    @Test func everyCallHasADistinctName() {
        let names = KernelCall.allCases.map(\.description)
        #expect(Set(names).count == names.count)
        #expect(KernelCall.dmaBufSync.description == "DMA_BUF_IOCTL_SYNC")
        #expect(KernelCall.vidiocQueueBuffer.description == "VIDIOC_QBUF")
    }

    /// Error codes are stable numbers in LinuxError's range, one per case.
    @Test func linuxErrorCodesAreStableAndDistinct() {
        let codes = LinuxError.Code.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { (1000..<1100).contains($0) })
        #expect(LinuxError.Code.outOfMemory.rawValue == 1002)
    }
}
