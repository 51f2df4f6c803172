import Foundation
import Heapwise
import HeapwiseCore
import HeapwiseLinux
import Testing

/// The front door on any machine, through the facade alone: plan a pipeline described in a
/// file, in text or in code; allocate it (CPU-only memfd here: the host has no dma-buf
/// heaps; the kernel lab allocates from real heaps in `KernelFacadeTests`); lend it through a
/// pool; and fail with typed errors whose category and number a caller can act on.
@Suite struct HeapwiseContextTests {
    /// The repository, or the lab payload's copy of its profiles and examples (HEAPWISE_REPO).
    static let repository = ProcessInfo.processInfo.environment["HEAPWISE_REPO"] ?? String(#filePath).components(separatedBy: "/Tests/")[0]
    static let playback = repository + "/Examples/video-playback.yaml"

    /// In-process and CPU-only: this host has no /dev/dma_heap, and the lab sets HEAPWISE_LAB.
    static var hostWithoutHeaps: Bool { HeapDiscovery.liveCatalog() == nil }

    static func context(_ broker: HeapwiseOptions.Broker = .never) throws -> HeapwiseContext {
        try HeapwiseContext(HeapwiseOptions(profileDirectories: [repository + "/Profiles"], heaps: .builtIn, hints: .none, broker: broker))
    }

    @Test func aPlanCarriesTheLayoutTheResolverChose() throws {
        let plan = try Self.context().plan(file: Self.playback)
        let chosen = try #require(plan.chosen)
        #expect(chosen.format == "NV12" && chosen.fourcc == FourCC("NV12") && chosen.modifierValue == 0 && chosen.heap == "system")
        #expect(chosen.fallbackHeaps == ["reserved"])
        #expect(chosen.buffers.count == 1 && chosen.buffers[0].planes.map(\.offset) == [0, 1920 * 1088], "chroma after 1088 macroblock rows")
        #expect(plan.count == 8 && plan.text.hasPrefix("Pipeline: 1920×1080, 8 buffers"))
        guard case .object = plan.json else { Issue.record("the plan's document is a JSON object"); return }
    }

    @Test func aPipelineInTextOrBuiltInCodePlansLikeItsFile() throws {
        let context = try Self.context()
        let fromFile = try context.plan(file: Self.playback)
        let text = """
            width: 1920
            height: 1080
            count: 8
            formats: [NV12]
            participants:
              - { device: hantro-decoder, usage: write }
              - { device: vop2-display, usage: scanout }
            """
        #expect(try context.plan(try context.describe(text: text)) == fromFile)
        let display = try ProfileParser.parse(try UserFiles.read(Self.repository + "/Profiles/vop2-display.yaml"))
        let decoder = try UserFiles.read(Self.repository + "/Profiles/hantro-decoder.yaml")
        let built = PipelineDescription(width: 1920, height: 1080, count: 8, formats: FormatInfo.lookup("NV12").map { [$0] }, participants: [
            .init(device: .profileText(decoder), usage: "write"), .init(device: .profile(display), usage: "scanout"),
        ])
        #expect(try context.plan(built) == fromFile, "profiles by value, as text or parsed, plan as their names do")
    }

    @Test func aPipelineNothingSatisfiesIsAnAnswerNotAnError() throws {
        let context = try Self.context()
        let plan = try context.plan(file: Self.repository + "/Examples/unsatisfiable.yaml")
        #expect(plan.chosen == nil)
        #expect(plan.explanation == "hantro-decoder: NV12/LINEAR: max width 1920 < 3840")
        let failure = #expect(throws: HeapwiseFailure.self) { try context.allocate(plan) }
        #expect(failure?.category == .unsatisfiable && failure?.numericCode == 600)
        #expect(failure?.description.contains("max width 1920 < 3840") == true)
    }

    @Test func wrongInputIsInvalidInputWithItsNumber() throws {
        let context = try Self.context()
        let missing = #expect(throws: HeapwiseFailure.self) { try context.plan(file: "/nonexistent/pipeline.yaml") }
        #expect(missing?.category == .invalidInput && missing?.numericCode == InputError.Code.fileNotFound.rawValue)
        let unknown = try context.describe(text: "width: 64\nheight: 64\nparticipants: [{ device: no-such-device, usage: write }]")
        let notFound = #expect(throws: HeapwiseFailure.self) { try context.plan(unknown) }
        #expect(notFound?.numericCode == InputError.Code.profileNotFound.rawValue)
        #expect(notFound?.description.contains("no profile for device 'no-such-device'") == true)
        let badUsage = PipelineDescription(width: 64, height: 64, participants: [.init(device: .named("vop2-display"), usage: "capture")])
        let usage = #expect(throws: HeapwiseFailure.self) { try context.plan(badUsage) }
        #expect(usage?.description == "participants[0]: device 'vop2-display' has no usage 'capture'; it has: scanout")
        let hints = #expect(throws: HeapwiseFailure.self) { try HeapwiseContext(HeapwiseOptions(hints: .file("/nonexistent/hints.yaml"))) }
        #expect(hints?.category == .invalidInput)
    }

    /// CPU-only memfd buffers on a machine without heaps (this host), dma-bufs from the heaps
    /// where there are some (the lab, as root); the plan's layout either way.
    @Test func aPlanAllocatesBuffersWithItsLayout() throws {
        let context = try HeapwiseContext(HeapwiseOptions(profileDirectories: [Self.repository + "/Profiles"], hints: .none, broker: .automatic()))
        #expect(context.route == .inProcess, "no heaps here, or heaps this user may open: nothing for the broker to do")
        let plan = try context.plan(file: Self.playback)
        let allocation = try context.allocate(plan, name: "facade")
        if Self.hostWithoutHeaps {
            #expect(allocation.route == .cpuOnly && allocation.heap == "memfd")
        } else {
            #expect(allocation.route == .inProcess && allocation.heap == plan.chosen?.heap)
            #expect(try allocation.buffers.map { try $0.dmaBuf.info().name } == (0..<8).map { "facade-\($0).0" })
        }
        #expect(allocation.images.count == 8 && allocation.buffers.count == 8)
        #expect(Set(allocation.buffers.map(\.inode)).count == 8, "eight distinct buffers")
        for buffer in allocation.buffers {
            #expect(buffer.size >= plan.chosen?.size ?? .max && buffer.planes == plan.chosen?.buffers[buffer.index].planes)
            try buffer.withCPUAccess(.write) { bytes in bytes.storeBytes(of: UInt8(buffer.image), toByteOffset: 0, as: UInt8.self) }
        }
        #expect(try allocation.images[7][0].withCPUAccess(.read) { $0[0] } == 7)
    }

    @Test func aPoolLendsImagesZeroedToANewOwnerAndKeptToTheSameOne() throws {
        let context = try Self.context()
        let plan = try context.plan(file: Self.playback)
        let pool = try context.pool(for: plan)
        let decoder = PoolOwner(1), display = PoolOwner(2)
        let first = try pool.acquire(owner: decoder)
        #expect(first.buffers.count == 1 && first.planes == [plan.chosen?.buffers[0].planes ?? []])
        _ = try first.buffers[0].withCPUAccess(.write) { bytes in bytes.initializeMemory(as: UInt8.self, repeating: 0xA5) }
        first.release(keepContents: true)
        let again = try pool.acquire(owner: decoder)
        let kept = try again.buffers[0].withCPUAccess(.read) { $0[0] == 0xA5 }
        #expect(again.reused && kept, "the same owner gets its bytes back")
        again.release()
        let other = try pool.acquire(owner: display)
        let zeroed = try other.buffers[0].withCPUAccess(.read) { $0.allSatisfy { $0 == 0 } }
        #expect(other.reused && zeroed, "another owner gets zeros")
        other.release()
        #expect(pool.statistics().rows.first?.hits == 2)
        #expect(pool.heap == "memfd", "the built-in catalog is not this machine's: CPU-only buffers")
    }

    @Test func anAbsentBrokerIsABrokerFailureWithTheRemedy() throws {
        let context = try Self.context(.socket("/nonexistent/heapwise.sock"))
        #expect(context.route == .broker(socket: "/nonexistent/heapwise.sock", automatic: false))
        let failure = #expect(throws: HeapwiseFailure.self) { try context.plan(file: Self.playback) }
        guard case .broker(.connection)? = failure else { Issue.record("not a connection failure: \(String(describing: failure))"); return }
        #expect(failure?.numericCode == 1150 && failure?.category == .allocationFailed)
    }
}
