@testable import HeapwiseCore
import Testing

/// The broker's wire format (`docs/protocol.md`): frames round-trip, and every way a message
/// can be wrong is refused with an error that names it, never guessed at.
@Suite struct BrokerProtocolTests {
    static let pipeline = PipelineDescription(width: 640, height: 480, count: 2, formats: FormatInfo.lookup("NV12").map { [$0] }, participants: [
        .init(device: .profileText("name: cam\n"), usage: "capture"), .init(device: .live(DeviceReference(kind: .drm, driver: "vkms")), usage: "scanout"),
    ])

    static func frame(_ kind: BrokerFrame.Kind, _ body: String, id: UInt32 = 7) -> BrokerFrame {
        BrokerFrame(kind, requestID: id, body: Array(body.utf8))
    }

    static func refusal(_ frame: BrokerFrame) -> String? {
        do { _ = try BrokerRequest.decode(frame); return nil } catch { return error.message }
    }

    @Test func everyRequestRoundTripsThroughItsFrame() throws {
        let requests: [BrokerRequest] = [.hello(protocol: 1, client: "cam-app"), .plan(Self.pipeline), .allocate(Self.pipeline, name: "cam0"),
                                         .allocate(Self.pipeline, name: nil), .allocatePlan(plan: 3, name: "cam0"), .allocatePlan(plan: 0, name: nil),
                                         .release(inodes: [12, 99]), .stats]
        for request in requests {
            let bytes = try request.frame(requestID: 42).bytes
            let frame = try BrokerFrame.decode(bytes)
            #expect(frame.requestID == 42)
            #expect(frame.kind == request.kind)
            #expect(try BrokerRequest.decode(frame) == request)
        }
    }

    @Test func allocateTakesAPipelineOrAPlanNeverBothNorNeither() throws {
        let pipeline = String(decoding: try Self.pipeline.wireJSON().serialized(indent: nil).utf8, as: UTF8.self)
        let both = Self.refusal(Self.frame(.allocate, #"{"plan": 1, "pipeline": \#(pipeline)}"#))
        #expect(both == "allocate takes exactly one of 'pipeline' and 'plan'")
        #expect(Self.refusal(Self.frame(.allocate, #"{"name": "cam0"}"#)) == "allocate takes exactly one of 'pipeline' and 'plan'")
        #expect(Self.refusal(Self.frame(.allocate, #"{"plan": -1}"#))?.contains("plan must be from 0 to 4294967295") == true)
        #expect(Self.refusal(Self.frame(.allocate, #"{"plan": "3"}"#)) != nil, "a plan number as a string")
    }

    @Test func aPlanReplyCarriesItsNumberOnlyWhenSatisfiable() throws {
        for reply in [BrokerPlanReply(resolution: "{}", text: "plan", satisfiable: true, plan: 4),
                      BrokerPlanReply(resolution: "{}", text: "no plan", satisfiable: false)] {
            let frame = try BrokerFrame.decode(BrokerFrame(.planReply, requestID: 1, json: reply.json).bytes)
            #expect(try BrokerPlanReply.decode(try frame.object()) == reply)
        }
    }

    @Test func theHeaderIsLittleEndianWithTheBodyLength() throws {
        let bytes = try BrokerRequest.stats.frame(requestID: 0x0102_0304).bytes
        #expect(Array(bytes[0..<4]) == Array("HWBK".utf8))
        #expect(Array(bytes[4..<16]) == [1, 0, 5, 0, 4, 3, 2, 1, 2, 0, 0, 0])
        #expect(Array(bytes[16...]) == Array("{}".utf8))
    }

    @Test func aBrokenFrameIsRefusedByName() throws {
        func refusal(_ bytes: [UInt8]) -> BrokerProtocolError? {
            do { _ = try BrokerFrame.decode(bytes); return nil } catch { return error }
        }
        let good = try BrokerRequest.stats.frame(requestID: 1).bytes
        #expect(refusal(Array(good.prefix(10)))?.message.contains("shorter than the 16-byte header") == true)
        #expect(refusal([0x48, 0x57, 0x42, 0x4C] + good.dropFirst(4))?.message.contains("magic") == true)
        var version = good
        version[4] = 2
        #expect(refusal(version) == .unsupportedVersion(2))
        var kind = good
        kind[6] = 9
        #expect(refusal(kind)?.message == "unknown message kind 9")
        #expect(refusal(good + [0x20])?.message == "the header says 2 body bytes, the message has 3", "a trailing byte")
        #expect(refusal(Array(good.dropLast()))?.message == "the header says 2 body bytes, the message has 1", "a cut body")
        #expect(refusal([UInt8](repeating: 0, count: BrokerFrame.maxMessage + 1))?.message.contains("over the") == true)
    }

    @Test func bodiesAreDecodedStrictly() {
        #expect(Self.refusal(Self.frame(.stats, "{} ")) != nil, "whitespace after the object")
        #expect(Self.refusal(Self.frame(.stats, "[]")) == "the body must be one JSON object with nothing before or after it")
        #expect(Self.refusal(Self.frame(.stats, "{}{}"))?.hasPrefix("the body is not JSON") == true)
        #expect(Self.refusal(Self.frame(.stats, #"{"verbose": true}"#)) == "unknown field 'verbose'")
        #expect(Self.refusal(Self.frame(.hello, #"{"protocol": 1}"#)) == "client is missing")
        #expect(Self.refusal(Self.frame(.hello, #"{"protocol": "1", "client": "x"}"#)) == "protocol must be an integer, not string")
        #expect(Self.refusal(Self.frame(.hello, #"{"protocol": 1, "client": "x", "client": "y"}"#))?.contains("duplicate key") == true)
        #expect(Self.refusal(Self.frame(.release, #"{"inodes": [-1]}"#)) == "inodes[0] must be a non-negative integer")
        #expect(Self.refusal(Self.frame(.helloReply, #"{}"#)) == "a client sends requests; kind 32769 is a reply")
    }

    @Test func aPipelineNeedsExactlyOneDeviceFormPerParticipantAndSaneSizes() {
        func allocate(_ participants: String, width: Int = 640, count: Int = 1) -> String? {
            Self.refusal(Self.frame(.allocate, #"{"pipeline": {"width": \#(width), "height": 480, "count": \#(count), "formats": null, "participants": \#(participants)}, "name": null}"#))
        }
        #expect(allocate(#"[{"usage": "scanout", "profile": null, "live": "drm:vkms"}]"#) == nil)
        #expect(allocate(#"[{"usage": "scanout", "profile": "x", "live": "drm:vkms"}]"#)?.contains("exactly one of 'profile'") == true)
        #expect(allocate(#"[{"usage": "scanout", "profile": null, "live": null}]"#)?.contains("exactly one of 'profile'") == true)
        #expect(allocate(#"[{"usage": "scanout", "live": "drm:vkms", "path": "/etc/shadow"}]"#) == "unknown field 'pipeline.participants[0].path'")
        #expect(allocate("[]") == "pipeline.participants is empty")
        #expect(allocate(#"[{"usage": "scanout", "live": "drm:vkms"}]"#, width: 0) == "pipeline.width must be from 1 to 1048576, got 0")
        #expect(allocate(#"[{"usage": "scanout", "live": "drm:vkms"}]"#, count: 1 << 20) == "pipeline.count must be from 1 to 65536, got 1048576")
        let seventeen = "[" + Array(repeating: #"{"usage": "s", "live": "drm:vkms"}"#, count: 17).joined(separator: ",") + "]"
        #expect(allocate(seventeen) == "pipeline.participants has 17 items; at most 16")
    }

    @Test func repliesRoundTrip() throws {
        let allocation = BrokerAllocation(format: "NV12", fourcc: 0x3231_564E, modifier: 0x0100_0000_0000_0001, width: 640, height: 480, heap: "system",
                                          buffers: [.init(image: 0, buffer: 0, inode: 99, size: 462_848, heap: "system", name: "cam0", reused: true,
                                                          planes: [.init(index: 0, offset: 0, stride: 640, size: 307_200), .init(index: 1, offset: 307_200, stride: 640, size: 153_600)])])
        let frame = BrokerFrame(.allocateReply, requestID: 3, json: allocation.json)
        #expect(try BrokerAllocation.decode(try BrokerFrame.decode(frame.bytes).object()) == allocation)
        let holdings = BrokerHoldings(holders: [.init(uid: 1000, user: "alice", buffers: 2, bytes: 8192, maxBuffers: 64, maxBytes: 1 << 29)], idleBuffers: 1, idleBytes: 4096)
        #expect(try BrokerHoldings.decode(try BrokerFrame(.statsReply, requestID: 1, json: holdings.json).object()) == holdings)
        let error = BrokerProtocolError.quota("over")
        #expect(try BrokerProtocolError.from(try BrokerFrame(.error, requestID: 1, json: error.json).object()) == error)
        #expect(error.closesConnection == false)
        #expect(BrokerProtocolError.malformed("x").closesConnection)
    }
}

/// The broker's policy file: first matching rule wins, no rule means refused, and mistakes
/// are errors with the line they are on.
@Suite struct BrokerPolicyTests {
    static let example = """
        rules:
          - group: video
            heaps: [system, cma]
            max_bytes: 512MiB
            max_buffers: 64
          - uid: 0
            max_bytes: 4GiB
        """

    @Test func theFirstMatchingRuleWinsAndNoRuleMeansRefused() throws {
        let policy = try BrokerPolicyParser.parse(Self.example, file: "policy.yaml")
        let member = BrokerPeer(pid: 10, uid: 1000, gid: 1000, groups: [44], user: "alice", groupNames: ["alice", "video"])
        let rule = try #require(policy.rule(for: member))
        #expect(rule.subject == .group("video"))
        #expect(rule.maxBytes == 512 << 20 && rule.maxBuffers == 64 && rule.maxBufferSize == 512 << 20 && rule.requestsPerSecond == 100)
        #expect(rule.line == 2)
        #expect(rule.allows(Heap(name: "system", kind: .system, contiguous: false, addressBits: 64, cached: true)))
        #expect(rule.allows(Heap(name: "reserved", kind: .cma, contiguous: true, addressBits: 32, cached: true)), "heaps match by kind too")
        #expect(!rule.allows(Heap(name: "secure", kind: .carveout, contiguous: true, addressBits: 32, cached: true)))
        #expect(policy.rule(for: BrokerPeer(pid: 1, uid: 0, gid: 0))?.subject == .uid(0))
        #expect(policy.rule(for: BrokerPeer(pid: 11, uid: 65534, gid: 65534, user: "nobody", groupNames: ["nogroup"])) == nil)
    }

    @Test func mistakesAreErrorsWithTheirLine() {
        func failure(_ text: String) -> String? {
            do { _ = try BrokerPolicyParser.parse(text, file: "policy.yaml"); return nil } catch { return error.description }
        }
        #expect(failure("rules: []\n")?.contains("the policy has no rules") == true)
        #expect(failure("rules:\n  - group: video\n    max_byte: 1MiB\n")?.hasPrefix("policy.yaml:3:") == true)
        #expect(failure("rules:\n  - group: video\n    max_byte: 1MiB\n")?.contains("did you mean 'max_bytes'?") == true)
        #expect(failure("rules:\n  - group: video\n    user: bob\n    max_bytes: 1MiB\n")?.contains("exactly one of user, uid, group, gid, everyone") == true)
        #expect(failure("rules:\n  - everyone: false\n    max_bytes: 1MiB\n")?.contains("matches no one") == true)
        #expect(failure("rules:\n  - everyone: true\n    max_bytes: 1MiB\n    max_buffer_size: 2MiB\n")?.contains("more than max_bytes") == true)
        #expect(failure("rules:\n  - everyone: true\n    heaps: []\n    max_bytes: 1MiB\n")?.contains("allows nothing") == true)
        #expect(failure("rules:\n  - everyone: true\n")?.contains("max_bytes") == true)
    }
}
