import Foundation
import Heapwise
import HeapwiseCore
import Testing

/// The front door against the lab's kernel, used the same way from both sides of the broker:
/// root plans and allocates the lab's camera-to-display pipeline in this process (the heaps
/// are 0600 root), then this test bundle runs again as uid 65534, for whom the same facade
/// calls go through `heapwise serve` by themselves (`broker: .automatic`). Both must get the
/// same plan and buffers of the same layout, zeroed. Kernel lab only (HEAPWISE_LAB=1).
@Suite(.enabled(if: JSONOutputTests.inLab, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelFacadeTests {
    static let pipeline = JSONOutputTests.repository + "/lab/camera-to-display.yaml"
    /// Any heap for `nogroup` (uid 65534), so the broker plans against the same heaps as root.
    static let policy = """
        rules:
          - group: nogroup
            max_bytes: 16MiB
            max_buffers: 8
        """

    /// A plan and its allocation without what differs by route or by run (descriptors,
    /// inodes, names, the route itself): what must be equal both ways.
    static func summary(_ plan: PipelinePlan, _ allocation: Allocation) -> String {
        func choice(_ c: PipelinePlan.Choice) -> JSON {
            .object([("format", .string(c.format)), ("fourcc", .int(Int(c.fourcc.rawValue))), ("modifier", .string(String(c.modifierValue, radix: 16))),
                     ("heap", .string(c.heap)), ("fallback_heaps", .array(c.fallbackHeaps.map(JSON.string))), ("size", .int(c.size)),
                     ("planes", .array(c.buffers.flatMap(\.planes).map { .array([.int($0.index), .int($0.offset), .int($0.stride), .int($0.size)]) })),
                     ("notes", .array(c.notes.map(JSON.string)))])
        }
        return JSON.object([
            ("plan", .object([("catalog", .string(plan.heapCatalog)), ("chosen", plan.chosen.map(choice) ?? .null),
                              ("alternatives", .array(plan.alternatives.map(choice))), ("rejected", .array(plan.rejected.map { .string($0.description) })),
                              ("text", .string(plan.text))])),
            ("allocation", .object([
                ("format", .string(allocation.plan.format)), ("width", .int(allocation.width)), ("height", .int(allocation.height)),
                ("heap", .string(allocation.heap)),
                ("buffers", .array(allocation.buffers.map { buffer in
                    .array([.int(buffer.image), .int(buffer.index), .int(buffer.size), .string(buffer.heap), .bool(buffer.reused),
                            .array(buffer.planes.map { .array([.int($0.index), .int($0.offset), .int($0.stride), .int($0.size)]) })])
                })),
            ])),
        ]).serialized(indent: nil)
    }

    /// Plans and allocates `pipeline` through `context`; every buffer must arrive zeroed and
    /// take a pattern written through `DMA_BUF_IOCTL_SYNC` brackets.
    static func planAndAllocate(_ context: HeapwiseContext) throws -> (PipelinePlan, Allocation) {
        let plan = try context.plan(file: pipeline)
        let allocation = try context.allocate(plan, name: "facade")
        for buffer in allocation.buffers {
            #expect(try buffer.withCPUAccess(.read) { $0.allSatisfy { $0 == 0 } }, "buffer \(buffer.image).\(buffer.index) arrives zeroed")
            try buffer.withCPUAccess(.write) { $0.initializeMemory(as: UInt8.self, repeating: 0x5A) }
            #expect(try buffer.dmaBuf.info().name == "facade-\(buffer.image).\(buffer.index)", "named for /proc and debugfs")
        }
        return (plan, allocation)
    }

    @Test func anUnprivilegedUserGetsTheSamePlanAndBuffersThroughTheBroker() throws {
        let broker = try BrokerDaemon(policy: Self.policy)
        let root = try HeapwiseContext(HeapwiseOptions(hints: .none, broker: .automatic(socket: broker.socket)))
        #expect(root.route == .inProcess, "root may open the heaps: it allocates itself")
        let (plan, allocation) = try Self.planAndAllocate(root)
        #expect(allocation.route == .inProcess && allocation.buffers.count == 4)
        let here = Self.summary(plan, allocation)

        let bundle = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let (status, output) = try KernelBrokerTests.asUser("nobody", "HEAPWISE_FACADE_SOCKET=\(broker.socket) \(bundle) --testing-library swift-testing --filter KernelFacadeChildTests")
        let line = output.split(separator: "\n").first { $0.hasPrefix("facade-child: ") }.map { String($0.dropFirst("facade-child: ".count)) }
        #expect(status == 0, "the facade as uid 65534: \(output.suffix(2000))")
        #expect(line == here, "the same plan and layout both ways:\n  root:   \(here)\n  nobody: \(line ?? "none")")
        print("facade-lab: root in-process and uid 65534 through the broker planned \(plan.chosen?.format ?? "nothing") on \(allocation.heap) and got \(allocation.buffers.count) zeroed buffers of the same layout")
        #expect(broker.stop() == 0)
    }
}

/// The other side of `KernelFacadeTests`: run by that test as uid 65534, with the broker's
/// socket in HEAPWISE_FACADE_SOCKET (the payload's main run skips this suite).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["HEAPWISE_FACADE_SOCKET"] != nil, "run by KernelFacadeTests as another user"))
struct KernelFacadeChildTests {
    @Test func theFacadeGoesThroughTheBrokerByItself() throws {
        let socket = try #require(ProcessInfo.processInfo.environment["HEAPWISE_FACADE_SOCKET"])
        let context = try HeapwiseContext(HeapwiseOptions(hints: .none, broker: .automatic(socket: socket)))
        #expect(context.route == .broker(socket: socket, automatic: true), "this user may open no heap, and the broker listens")
        let (plan, allocation) = try KernelFacadeTests.planAndAllocate(context)
        guard case .broker(_, uid: 65534) = allocation.route else { Issue.record("not through the broker as 65534: \(allocation.route)"); return }
        print("facade-child: " + KernelFacadeTests.summary(plan, allocation))
    }
}
