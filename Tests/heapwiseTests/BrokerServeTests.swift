import CHeapwiseTestSupport
import Foundation
import Glibc
import HeapwiseClient
import HeapwiseCore
import HeapwiseLinux
import HeapwiseLoading
import Testing

/// `heapwise serve` as a process, on this machine: the protocol's rules, the policy's
/// refusals, SIGHUP and SIGTERM, and clients that misbehave. Planning only (against a catalog
/// file: this machine has no dma-buf heaps); allocation is proven in the lab
/// (`KernelBrokerTests`).
@Suite(.serialized) struct BrokerServeTests {
    static let repository = JSONOutputTests.repository
    static let catalog = repository + "/Examples/heaps/rpi4.yaml"
    static let rootPolicy = "rules:\n  - uid: 0\n    max_bytes: 64MiB\n    requests_per_second: 1000\n"

    static func pipeline() throws -> PipelineDescription {
        try Loader.brokerDescription(repository + "/Examples/camera-preview.yaml")
    }

    @Test func aClientPlansThroughTheBrokerAndTheBrokerStopsCleanly() throws {
        let daemon = try BrokerDaemon(policy: Self.rootPolicy, arguments: ["--heaps", Self.catalog])
        let client = try BrokerClient(socket: daemon.socket, client: "test")
        #expect(client.hello.uid == getuid() && client.hello.pid == getpid(), "the broker names this process as the kernel does")
        let (plan, number) = try client.plan(try Self.pipeline())
        #expect(plan.chosen?.format == "YUYV" && number != nil, "the broker's resolution decodes into the plan value")
        #expect(plan.text.contains("Chosen: YUYV"))
        guard case .object = plan.json else { Issue.record("the resolution is not a JSON object"); return }
        #expect(throws: BrokerClientError.self) { try client.allocate(try Self.pipeline()) }
        #expect(daemon.stop() == 0, "SIGTERM is a clean exit")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "the socket it bound is removed")
        #expect(daemon.logText.contains("stopping") && daemon.logText.contains("signal=SIGTERM"))
    }

    /// A plan's number stands for its pipeline on the connection that was given it, and only
    /// there: another connection's number, or one never given, is refused by name.
    @Test func aPlanNumberBelongsToItsConnection() throws {
        let daemon = try BrokerDaemon(policy: Self.rootPolicy, arguments: ["--heaps", Self.catalog])
        let client = try BrokerClient(socket: daemon.socket, client: "planner")
        let number = try #require(try client.plan(try Self.pipeline()).number, "a satisfiable plan has a number")
        #expect(try client.plan(try Self.pipeline()).number == number + 1, "each plan gets the next number")
        // The number reaches allocation: this broker plans against a file and allocates nothing.
        let known = KernelBrokerTests.refusal { () throws(BrokerClientError) in _ = try client.allocate(plan: number) }
        #expect(known?.code == "allocation_failed" && known?.message.contains("allocates nothing") == true, "\(known?.message ?? "not refused")")
        let unknown = KernelBrokerTests.refusal { () throws(BrokerClientError) in _ = try client.allocate(plan: 999) }
        #expect(unknown?.code == "invalid_pipeline" && unknown?.message.contains("plan 999 is not one this connection was given") == true,
                "\(unknown?.message ?? "not refused")")
        let other = try BrokerClient(socket: daemon.socket, client: "other")
        let stolen = KernelBrokerTests.refusal { () throws(BrokerClientError) in _ = try other.allocate(plan: number) }
        #expect(stolen?.code == "invalid_pipeline", "a number from another connection means nothing here")
        #expect(daemon.stop() == 0)
    }

    @Test func aUserNoRuleMatchesIsRefusedByName() throws {
        let daemon = try BrokerDaemon(policy: "rules:\n  - uid: 12345\n    max_bytes: 1MiB\n", arguments: ["--heaps", Self.catalog])
        let client = try BrokerClient(socket: daemon.socket)
        let pipeline = try Self.pipeline()
        let refusal = KernelBrokerTests.refusal { () throws(BrokerClientError) in _ = try client.plan(pipeline) }
        #expect(refusal?.code == "refused")
        #expect(refusal?.message.contains("no rule of \(daemon.policy) matches uid 0") == true, "\(refusal?.message ?? "not refused")")
        // The connection stays usable after a refusal.
        #expect(try client.stats().holders.allSatisfy { $0.buffers == 0 })
        let (status, json) = try JSONOutputTests.run(["stats", "--broker", "--socket", daemon.socket, "--json"])
        #expect(status == 0)
        let problems = try JSONOutputTests.shapes().problems(try StrictJSON.parse(bytes: json), shape: "broker-stats")
        #expect(problems.isEmpty, "stats --broker --json is the documented document: \(problems)")
    }

    /// Garbage, cut and oversized messages, requests out of order, descriptors sent along,
    /// and clients that never read their replies: each gets its error (and the connection
    /// closed where the framing broke), the broker stays up, answers a healthy client, and
    /// its own descriptors return to what they were.
    @Test func misbehavingClientsNeverTakeTheBrokerDown() throws {
        let daemon = try BrokerDaemon(policy: Self.rootPolicy, arguments: ["--heaps", Self.catalog])
        let healthy = try BrokerClient(socket: daemon.socket)
        _ = try healthy.plan(try Self.pipeline())
        let baseline = daemon.descriptorCount

        var garbage = try RawBrokerPeer(daemon.socket)
        try garbage.send(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(try garbage.errorCode() == "malformed")
        #expect(try garbage.reply() == nil, "closed after a framing error")

        garbage = try RawBrokerPeer(daemon.socket)
        try garbage.send(Array(BrokerRequest.stats.frame(requestID: 1).bytes.prefix(12)))
        #expect(try garbage.errorCode() == "malformed", "a cut header")

        garbage = try RawBrokerPeer(daemon.socket)
        try garbage.send([UInt8](repeating: 0x41, count: BrokerFrame.maxMessage + 100))
        #expect(try garbage.errorCode() == "malformed", "an oversized message")

        let early = try RawBrokerPeer(daemon.socket)
        try early.request(.stats)
        #expect(try early.errorCode() == "out_of_order", "stats before hello")
        #expect(try early.reply() == nil)

        let twice = try RawBrokerPeer(daemon.socket)
        try twice.hello()
        try twice.request(.hello(protocol: 1, client: "again"))
        #expect(try twice.errorCode() == "out_of_order")

        let future = try RawBrokerPeer(daemon.socket)
        try future.request(.hello(protocol: 2, client: "from the future"))
        #expect(try future.errorCode() == "unsupported_version")

        let withDescriptors = try RawBrokerPeer(daemon.socket)
        try withDescriptors.hello()
        try withDescriptors.send(BrokerRequest.stats.frame(requestID: 2).bytes, descriptors: [STDIN_FILENO, STDOUT_FILENO])
        #expect(try withDescriptors.errorCode() == "malformed", "requests carry no descriptors")

        let unknownField = try RawBrokerPeer(daemon.socket)
        try unknownField.hello()
        try unknownField.send(BrokerFrame(.stats, requestID: 3, body: Array(#"{"all": true}"#.utf8)).bytes)
        #expect(try unknownField.errorCode() == "malformed")

        // Clients that send requests and never read a reply: each stalls only itself.
        var deaf: [RawBrokerPeer] = []
        for _ in 0..<20 {
            let peer = try RawBrokerPeer(daemon.socket)
            try peer.request(.hello(protocol: 1, client: "deaf"))
            // Fewer than net.unix.max_dgram_qlen (10), so these sends do not block this test.
            for id in 2..<9 { try peer.request(.plan(try Self.pipeline()), id: UInt32(id)) }
            deaf.append(peer)
        }
        #expect(try healthy.plan(try Self.pipeline()).plan.chosen != nil, "a healthy client is answered throughout")
        #expect(daemon.isRunning)

        garbage = try RawBrokerPeer(daemon.socket)
        withExtendedLifetime((garbage, early, twice, future, withDescriptors, unknownField)) {}
        deaf.removeAll()
        garbage = try RawBrokerPeer(daemon.socket)
        _ = garbage
        // Give the loop a moment to see every hang-up, then count its descriptors.
        var settled = daemon.descriptorCount
        for _ in 0..<100 where settled > baseline + 1 {
            usleep(20_000)
            settled = daemon.descriptorCount
        }
        #expect(settled <= baseline + 1, "the broker's descriptors return to the baseline (one for the connection still open): \(settled) vs \(baseline)")
        #expect(try healthy.plan(try Self.pipeline()).plan.chosen != nil)
    }

    @Test func sighupReloadsAValidPolicyAndKeepsTheOldOneOverAnInvalidOne() throws {
        let daemon = try BrokerDaemon(policy: Self.rootPolicy, arguments: ["--heaps", Self.catalog])
        try "rules:\n  - uid: 0\n    max_byte: 1MiB\n".write(toFile: daemon.policy, atomically: false, encoding: .utf8)
        daemon.signal(SIGHUP)
        var waited = 0
        while !daemon.logText.contains("policy reload refused"), waited < 200 { usleep(20_000); waited += 1 }
        #expect(daemon.logText.contains("policy reload refused; the previous policy stays"))
        #expect(daemon.logText.contains("did you mean 'max_bytes'?"), "the log line names the mistake")
        #expect(try BrokerClient(socket: daemon.socket).plan(try Self.pipeline()).plan.chosen != nil, "the old policy still serves")

        try "rules:\n  - uid: 4242\n    max_bytes: 1MiB\n".write(toFile: daemon.policy, atomically: false, encoding: .utf8)
        daemon.signal(SIGHUP)
        waited = 0
        while !daemon.logText.contains("policy reloaded"), waited < 200 { usleep(20_000); waited += 1 }
        #expect(throws: BrokerClientError.self, "the new policy no longer admits root") { try BrokerClient(socket: daemon.socket).plan(try Self.pipeline()) }
    }

    @Test func aSecondBrokerOnTheSameSocketIsRefusedAndAStaleSocketIsReplaced() throws {
        let first = try BrokerDaemon(policy: Self.rootPolicy, arguments: ["--heaps", Self.catalog])
        let (status, output) = try JSONOutputTests.run(["serve", "--socket", first.socket, "--policy", first.policy, "--heaps", Self.catalog], withErrors: true)
        #expect(status == 4)
        #expect(String(decoding: output, as: UTF8.self).contains("another broker is already listening here"))
        #expect(try BrokerClient(socket: first.socket).plan(try Self.pipeline()).plan.chosen != nil, "the first one still serves")
        // A broker killed outright leaves its socket file; the next one takes its place.
        first.killOutright()
        #expect(FileManager.default.fileExists(atPath: first.socket))
        let second = try BrokerDaemon(policy: Self.rootPolicy, arguments: ["--heaps", Self.catalog], directory: first.directory)
        #expect(try BrokerClient(socket: second.socket).plan(try Self.pipeline()).plan.chosen != nil)
    }

    /// As systemd starts it from heapwise.socket: the listening socket arrives as fd 3 with
    /// LISTEN_FDS and LISTEN_PID, and the broker serves on it instead of binding a path.
    @Test func theBrokerServesOnTheSocketSystemdPasses() throws {
        let directory = NSTemporaryDirectory() + "heapwise-broker-activated-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.rootPolicy.write(toFile: directory + "/policy.yaml", atomically: false, encoding: .utf8)
        let listener = try UnixListener.bind(directory + "/activated.sock")
        let argv = [try JSONOutputTests.binary(), "serve", "--socket", directory + "/unused.sock", "--policy", directory + "/policy.yaml", "--heaps", Self.catalog]
        // As systemd does it: the socket at fd 3, LISTEN_FDS=1 and LISTEN_PID the broker's own
        // pid, which only the child knows (the shell's $$ is the pid exec keeps).
        let activate = #"export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@""#
        let broker = try listener.withUnsafeDescriptor { fd in
            try ChildProcess.spawn(["/bin/sh", "-c", activate] + argv, output: .file(directory + "/serve.log"), errors: .file(directory + "/serve.log"),
                                   passing: [3: fd])
        }
        defer { broker.terminate() }
        var client: BrokerClient?
        for _ in 0..<250 where client == nil {
            client = try? BrokerClient(socket: directory + "/activated.sock")
            if client == nil { usleep(20_000) }
        }
        let connected = try #require(client, "the broker answers on the socket it was given")
        #expect(try connected.plan(try Self.pipeline()).plan.chosen != nil)
        #expect(!FileManager.default.fileExists(atPath: directory + "/unused.sock"), "--socket is not bound when systemd passes one")
        let log = (try? String(contentsOfFile: directory + "/serve.log", encoding: .utf8)) ?? ""
        #expect(log.contains("socket=from systemd"), "\(log)")
    }

    @Test func aRuleRequestRateIsEnforcedPerUser() throws {
        // One a second, so even under emulation (the lab's TCG) the bucket cannot refill
        // between these requests.
        let daemon = try BrokerDaemon(policy: "rules:\n  - uid: 0\n    max_bytes: 1MiB\n    requests_per_second: 1\n", arguments: ["--heaps", Self.catalog])
        // Loaded and connected before the burst: under TCG, reading the profiles took long
        // enough for the bucket to refill before the second connection's request.
        let pipeline = try Self.pipeline()
        let client = try BrokerClient(socket: daemon.socket)
        let second = try BrokerClient(socket: daemon.socket)
        var codes: [String] = []
        for _ in 0..<4 {
            do { _ = try client.stats(); codes.append("ok") } catch {
                if case let .refused(refusal) = error { codes.append(refusal.code) } else { codes.append("\(error)") }
            }
        }
        #expect(codes.first == "ok", "a burst of the rate is allowed: \(codes)")
        #expect(codes.contains("rate_limited"), "\(codes)")
        // A second connection of the same user shares the bucket.
        #expect(throws: BrokerClientError.self) { _ = try second.plan(pipeline) }
    }

    @Test func aMissingOrInvalidPolicyStopsTheBrokerBeforeItListens() throws {
        let directory = NSTemporaryDirectory() + "heapwise-broker-bad-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (missingStatus, missingOutput) = try JSONOutputTests.run(["serve", "--socket", directory + "/s.sock", "--policy", directory + "/none.yaml"], withErrors: true)
        #expect(missingStatus == 2)
        #expect(String(decoding: missingOutput, as: UTF8.self).contains("none.yaml"))
        try "rules:\n  - group: no-such-group-here\n    max_bytes: 1MiB\n".write(toFile: directory + "/p.yaml", atomically: false, encoding: .utf8)
        let (status, output) = try JSONOutputTests.run(["serve", "--socket", directory + "/s.sock", "--policy", directory + "/p.yaml"], withErrors: true)
        #expect(status == 2)
        #expect(String(decoding: output, as: UTF8.self).contains("p.yaml:2: group 'no-such-group-here' is not in /etc/group"), "\(String(decoding: output, as: UTF8.self))")
        #expect(!FileManager.default.fileExists(atPath: directory + "/s.sock"))
    }
}
