import CHeapwiseTestSupport
import Foundation
import Glibc
import HeapwiseClient
import HeapwiseCore
@testable import HeapwiseLinux
import HeapwiseLoading
import Testing

/// The allocation broker against the lab's real kernel: `heapwise serve` runs as root, the
/// heap nodes are 0600, and clients run as uid 65534 (allowed) and uid 1000 (not in the
/// policy). Quotas are read from /proc; buffers change hands zeroed; buffers from the broker
/// import into vivid and vkms; a thousand clients killed mid-request leave nothing behind.
/// The kernel lab only (HEAPWISE_LAB=1).
@Suite(.enabled(if: JSONOutputTests.inLab, "needs the kernel lab (HEAPWISE_LAB=1)"), .serialized)
struct KernelBrokerTests {
    static let policy = """
        rules:
          - uid: 0
            heaps: [system]
            max_bytes: 10MiB
            max_buffers: 6
            max_buffer_size: 4MiB
            requests_per_second: 100000
          - group: nogroup
            heaps: [system, cma]
            max_bytes: 8MiB
            max_buffers: 8
        """
    static let cameraToDisplay = JSONOutputTests.repository + "/lab/camera-to-display.yaml"

    static func daemon() throws -> BrokerDaemon {
        try BrokerDaemon(policy: policy, arguments: ["--pool-idle-seconds", "1"])
    }

    /// The broker's refusal of `body`'s request, or nil when it was not refused.
    static func refusal(_ body: () throws(BrokerClientError) -> Void) -> BrokerProtocolError? {
        do {
            try body()
            return nil
        } catch {
            if case let .refused(refusal) = error { return refusal }
            return nil
        }
    }

    static func asUser(_ user: String, _ command: String) throws -> (Int32, String) {
        let (status, output) = try JSONOutputTests.spawn(["/bin/su", "-s", "/bin/sh", user, "-c", command], withErrors: true)
        return (status, String(decoding: output, as: UTF8.self))
    }

    /// uid 65534 is allowed by its group (`group: nogroup`, named from the kernel's gid).
    @Test func anUnprivilegedUserAllocatesThroughTheBrokerAndAnotherIsRefused() throws {
        let broker = try Self.daemon()
        let binary = try JSONOutputTests.binary()
        for node in try FileManager.default.contentsOfDirectory(atPath: "/dev/dma_heap") {
            let mode = try FileManager.default.attributesOfItem(atPath: "/dev/dma_heap/" + node)[.posixPermissions] as? Int
            #expect(mode == 0o600, "/dev/dma_heap/\(node) is 0600 root, so only the broker can open it")
        }
        // Without --broker: the heaps are closed to nobody and the socket exists, so plan --allocate uses it and says so.
        let (status, output) = try Self.asUser("nobody", "\(binary) plan \(Self.cameraToDisplay) --allocate --socket \(broker.socket)")
        #expect(status == 0, "\(output)")
        #expect(output.contains("allocating through the broker at \(broker.socket)"), "\(output)")
        #expect(output.contains("Through the broker at \(broker.socket) (as uid 65534)"))
        #expect(output.components(separatedBy: "verified").count - 1 == 4, "4 buffers arrived zeroed and held the pattern: \(output)")
        print(output.split(separator: "\n").map { "broker-text: " + $0 }.joined(separator: "\n"))
        print("broker-lab: uid 65534 allocated 4 XRGB8888 640×480 images from the 0600 system heap through the broker, each zeroed on arrival")

        let (jsonStatus, json) = try JSONOutputTests.spawn(["/bin/su", "-s", "/bin/sh", "nobody", "-c",
                                                            "\(binary) plan \(Self.cameraToDisplay) --allocate --broker --socket \(broker.socket) --json"])
        #expect(jsonStatus == 0)
        let problems = try JSONOutputTests.shapes().problems(try StrictJSON.parse(bytes: json), shape: "resolution")
        #expect(problems.isEmpty, "plan --broker --json is the documented plan document: \(problems.prefix(3))")

        let (refusedStatus, refused) = try Self.asUser("lab", "\(binary) plan \(Self.cameraToDisplay) --allocate --broker --socket \(broker.socket)")
        #expect(refusedStatus == 4)
        #expect(refused.contains("no rule of \(broker.policy) matches uid 1000"), "\(refused)")
        print("broker-lab: uid 1000 refused: \(refused.split(separator: "\n").first ?? "")")
    }

    /// uid 1000 is in group video only as a supplementary group (/etc/group, set by su's
    /// initgroups): the broker learns it from SO_PEERGROUPS, not from the client.
    @Test func aSupplementaryGroupAdmitsItsMembers() throws {
        let broker = try BrokerDaemon(policy: "rules:\n  - group: video\n    heaps: [system]\n    max_bytes: 16MiB\n", arguments: [])
        let binary = try JSONOutputTests.binary()
        let (status, output) = try Self.asUser("lab", "id; \(binary) plan \(Self.cameraToDisplay) --allocate --broker --socket \(broker.socket)")
        #expect(output.contains("44(video)"), "su gave uid 1000 its supplementary group: \(output)")
        #expect(status == 0, "\(output)")
        #expect(output.contains("Through the broker at \(broker.socket) (as uid 1000)"), "\(output)")
        let (refusedStatus, refused) = try Self.asUser("nobody", "\(binary) plan \(Self.cameraToDisplay) --allocate --broker --socket \(broker.socket)")
        #expect(refusedStatus == 4 && refused.contains("no rule of \(broker.policy) matches uid 65534"), "\(refused)")
        print("broker-lab: uid 1000 admitted by its supplementary group video (SO_PEERGROUPS); uid 65534 without it refused")
    }

    @Test func quotasAreWhatTheKernelSaysIsStillHeld() throws {
        let broker = try Self.daemon()
        // Forked before any buffer is allocated: a child inherits every fd its parent has,
        // and the broker (rightly) counts those too.
        let child = try KernelStatsTests.receiver(uid: -1, name: "hw-broker-kid")
        defer { hwt_kill(child.pid); _ = Syscalls.close(child.socket) }
        var pipeline = try Loader.brokerDescription(Self.cameraToDisplay)
        let client = try BrokerClient(socket: broker.socket, client: "quota")
        pipeline.count = 4
        var (_, held) = try client.allocate(pipeline, name: "q")
        #expect(held.count == 4)

        // Over max_buffers: refused with the numbers.
        let refusal = Self.refusal { () throws(BrokerClientError) in _ = try client.allocate(pipeline) }
        #expect(refusal?.code == "quota", "a fifth to eighth buffer over max_buffers 6")
        #expect(refusal?.message.contains("uid 0 holds 4 buffers") == true && refusal?.message.contains("of the 6 buffers") == true, "\(refusal?.message ?? "")")
        print("broker-lab: quota: \(refusal?.message ?? "none")")

        // Over max_buffer_size (a 1080p XRGB8888 buffer is 7.9 MiB), then over max_bytes (two
        // 3.5 MiB 720p buffers on top of the 4.7 MiB held, within max_buffers).
        var large = pipeline
        (large.width, large.height, large.count) = (1920, 1080, 1)
        let tooLarge = Self.refusal { () throws(BrokerClientError) in _ = try client.allocate(large) }
        #expect(tooLarge?.code == "quota" && tooLarge?.message.contains("over the 4 MiB max_buffer_size") == true, "\(tooLarge?.message ?? "not refused")")
        (large.width, large.height, large.count) = (1280, 720, 2)
        let tooMuch = Self.refusal { () throws(BrokerClientError) in _ = try client.allocate(large) }
        #expect(tooMuch?.code == "quota" && tooMuch?.message.contains("and 10 MiB that") == true && tooMuch?.message.contains("needs 2 more") == true,
                "\(tooMuch?.message ?? "not refused")")
        print("broker-lab: quota (bytes): \(tooMuch?.message ?? "none")")
        print("broker-lab: quota (one buffer): \(tooLarge?.message ?? "none")")

        // Closing fds frees quota without telling the broker.
        held[0].close()
        held[1].close()
        held.removeFirst(2)
        pipeline.count = 2
        let (_, more) = try client.allocate(pipeline)
        held += more
        #expect(try client.stats().holders.first { $0.uid == 0 }?.buffers == 4)

        // Reconnecting does not reset it; passing a buffer to another process keeps it counted.
        let again = try BrokerClient(socket: broker.socket, client: "quota again")
        #expect(try again.stats().holders.first { $0.uid == 0 }?.buffers == 4)
        _ = try KernelStatsTests.pass([held[0]], to: child.socket)
        held[0].close()
        held.removeFirst()
        #expect(try again.stats().holders.first { $0.uid == 0 }?.buffers == 4, "the child still holds the one passed to it")
        for buffer in held { buffer.close() }
        held.removeAll()
        #expect(try again.stats().holders.first { $0.uid == 0 }?.buffers == 1, "only the child's")
        hwt_kill(child.pid)
        #expect(try again.stats().holders.allSatisfy { $0.uid != 0 }, "nothing once the child is gone")
    }

    @Test func aBufferGivenBackReachesTheNextClientZeroed() throws {
        let broker = try Self.daemon()
        var pipeline = try Loader.brokerDescription(Self.cameraToDisplay)
        pipeline.count = 1
        let writer = try BrokerClient(socket: broker.socket, client: "writer")
        let (allocation, buffers) = try writer.allocate(pipeline)
        let buffer = try #require(buffers.first)
        try buffer.withCPUAccess(.write) { bytes in bytes.initializeMemory(as: UInt8.self, repeating: 0xAB) }
        // Still held: release is refused.
        #expect(throws: BrokerClientError.self) { try writer.release([allocation.buffers[0].inode]) }
        buffer.close()
        try writer.release([allocation.buffers[0].inode])

        let reader = try BrokerClient(socket: broker.socket, client: "reader")
        let (second, received) = try reader.allocate(pipeline)
        #expect(second.buffers[0].inode == allocation.buffers[0].inode && second.buffers[0].reused, "the pool's buffer went to the next client")
        let zero = try received[0].withCPUAccess(.read) { bytes in bytes.allSatisfy { $0 == 0 } }
        #expect(zero, "no client receives bytes another client wrote")
        print("broker-lab: buffer \(second.buffers[0].inode) written 0xAB by one client, released, reused by the next: all zero")
    }

    @Test func buffersFromTheBrokerImportIntoVividAndVkms() throws {
        let broker = try Self.daemon()
        let pipeline = try Loader.brokerDescription(Self.cameraToDisplay)
        let client = try BrokerClient(socket: broker.socket, client: "e2e")
        // Planned first, then allocated by the plan's number: the profiles travel once.
        let number = try #require(try client.plan(pipeline).number, "a satisfiable plan has a number")
        let (allocation, buffers) = try client.allocate(plan: number, name: "broker-e2e")
        // The same pipeline resolved here gives the plan the devices are set up with; the
        // broker's buffers must have its layout.
        let local = try Loader.pipeline(Self.cameraToDisplay)
        let plan = try #require(Resolver(catalog: HeapDiscovery.catalog()).resolve(local).chosen)
        #expect(allocation.format == plan.format.name && allocation.modifier == plan.modifier.rawValue)
        #expect(allocation.buffers[0].planes[0].stride == plan.layout.buffers[0].planes[0].stride)
        let images = buffers.map { [$0] }
        let vivid = try V4L2Device.open(driver: "vivid")
        let format = try #require(V4L2Format(plan: plan, type: .videoCapture, width: pipeline.width, height: pipeline.height))
        let stream = try V4L2Stream(device: vivid, format: format, importing: images)
        try stream.queueAll()
        try stream.start()
        let frame = try stream.dequeue()
        try stream.stop()
        let lit = try buffers[frame.index].withCPUAccess(.read) { bytes in bytes.contains { $0 != 0 } }
        #expect(lit, "vivid captured into the broker's buffer")
        let vkms = try DRMDevice.open(driver: "vkms")
        let framebuffer = try vkms.addFramebuffer(plan, width: pipeline.width, height: pipeline.height, buffers: [buffers[frame.index]])
        #expect(framebuffer.id > 0)
        try stream.release()
        print("broker-lab: vivid captured frame \(frame.sequence) into broker buffer \(allocation.buffers[frame.index].inode); vkms made framebuffer \(framebuffer.id) of it")
    }

    @Test func benchBrokerPrintsTheDocumentedJSON() throws {
        let (status, output) = try JSONOutputTests.run(["bench", "broker", "--rounds", "3", "--per-client", "3", "--json"])
        #expect(status == 0)
        let problems = try JSONOutputTests.shapes().problems(try StrictJSON.parse(bytes: output), shape: "bench-broker")
        #expect(problems.isEmpty, "\(problems.prefix(3))")
    }

    /// 1,000 clients killed (SIGKILL) at every point of a request, and clients that send
    /// garbage: the broker stays up, answers a healthy client throughout, and once it has
    /// reclaimed what the dead held, its descriptors and pool return to the baseline.
    @Test func aThousandClientsKilledMidRequestLeaveNothingBehind() throws {
        let broker = try Self.daemon()
        var pipeline = try Loader.brokerDescription(Self.cameraToDisplay)
        pipeline.count = 1
        let healthy = try BrokerClient(socket: broker.socket, client: "healthy")
        try #require(try healthy.plan(pipeline).plan.chosen != nil, "the doomed clients' request is one the broker can serve")
        // One allocation first, so the heap node the broker keeps open is in the baseline;
        // then wait for the pool to free that buffer.
        let (warm, warmBuffers) = try healthy.allocate(pipeline)
        warmBuffers.forEach { $0.close() }
        try healthy.release(warm.buffers.map(\.inode))
        for _ in 0..<200 where try healthy.stats().idleBuffers > 0 { usleep(50_000) }
        let baseline = broker.descriptorCount
        let hello = try BrokerRequest.hello(protocol: 1, client: "doomed").frame(requestID: 1).bytes
        let request = try BrokerRequest.allocate(pipeline, name: "doomed").frame(requestID: 2).bytes
        var generator = SystemRandomNumberGenerator()
        var killedAt = [0, 0, 0, 0, 0]
        for round in 0..<1000 {
            let stage = Int(generator.next() % 5)
            let pid = hwt_fork_broker_client(broker.socket, hello, hello.count, request, request.count, Int32(stage))
            try #require(pid > 0)
            usleep(UInt32(generator.next() % 4000))
            hwt_kill(pid)
            killedAt[stage] += 1
            if round % 100 == 0 {
                #expect(try healthy.plan(pipeline).plan.chosen != nil, "answered during the storm (round \(round))")
            }
        }
        #expect(broker.isRunning)
        // Every buffer the dead held goes back to the pool at the next reclaim (2 s), and the
        // pool frees it a second later.
        var settled = broker.descriptorCount
        for _ in 0..<300 where settled != baseline {
            usleep(50_000)
            settled = broker.descriptorCount
        }
        let stats = try healthy.stats()
        #expect(settled == baseline, "the broker's descriptors are back to \(baseline): \(settled)")
        #expect(stats.holders.allSatisfy { $0.buffers == 0 } && stats.idleBuffers == 0, "\(stats)")
        print("broker-lab: 1000 clients killed (connected \(killedAt[0]), after hello \(killedAt[1]), after the request \(killedAt[2]), after one reply \(killedAt[3]), holding buffers \(killedAt[4])): broker up, healthy client answered, descriptors \(settled) (baseline \(baseline)), \(stats.holders.reduce(0) { $0 + $1.buffers }) buffers out, \(stats.idleBuffers) idle in the pool")
    }
}
