import Glibc
import Heapwise
import HeapwiseCore
import Testing

/// The front door's two routes give the same plan: one context plans in this process, another
/// through `heapwise serve` started by the test, both against the same catalog file (this
/// machine has no dma-buf heaps; the lab allocates both ways in `KernelFacadeTests`). The
/// broker's refusals arrive typed, with their numbers.
@Suite(.serialized) struct FacadeBrokerTests {
    static let repository = JSONOutputTests.repository
    static let catalog = BrokerServeTests.catalog

    static func options(_ broker: HeapwiseOptions.Broker) -> HeapwiseOptions {
        HeapwiseOptions(profileDirectories: [repository + "/Profiles"], heaps: .catalogFile(catalog), hints: .none, broker: broker)
    }

    @Test func aPlanIsTheSameMadeHereOrByTheBroker() throws {
        let daemon = try BrokerDaemon(policy: BrokerServeTests.rootPolicy, arguments: ["--heaps", Self.catalog])
        let here = try HeapwiseContext(Self.options(.never))
        let broker = try HeapwiseContext(Self.options(.socket(daemon.socket)))
        #expect(here.route == .inProcess && broker.route == .broker(socket: daemon.socket, automatic: false))
        for example in ["camera-preview", "camera-recording", "unsatisfiable", "webcam-wrong-size"] {
            let file = Self.repository + "/Examples/\(example).yaml"
            let local = try here.plan(file: file)
            let remote = try broker.plan(file: file)
            #expect(local == remote, "\(example): the broker's plan decodes into the same value")
            #expect(local.text == remote.text, "\(example): and prints the same")
            #expect(local.chosen != nil || !remote.rejected.isEmpty)
        }
        // This broker plans against a file and allocates nothing: a typed refusal, not a string.
        let plan = try broker.plan(file: Self.repository + "/Examples/camera-preview.yaml")
        let failure = #expect(throws: HeapwiseFailure.self) { try broker.allocate(plan) }
        guard case .broker(.refused(.allocationFailed))? = failure else { Issue.record("\(String(describing: failure))"); return }
        #expect(failure?.numericCode == 1108 && failure?.category == .allocationFailed)
        // A pipeline the broker cannot read is invalid input, whichever side found it.
        let unknownFormat = PipelineDescription(width: 64, height: 64, participants: [.init(device: .profileText("name: x\nusages: { write: { formats: [NOPE] } }\n"), usage: "write")])
        let refused = #expect(throws: HeapwiseFailure.self) { try broker.plan(unknownFormat) }
        #expect(refused?.category == .invalidInput && refused?.numericCode == 1106, "\(String(describing: refused))")
        #expect(daemon.stop() == 0)
    }

    @Test func aUserNoRuleAdmitsIsRefusedWithTheRefusalsNumber() throws {
        let daemon = try BrokerDaemon(policy: "rules:\n  - uid: 4242\n    max_bytes: 1MiB\n", arguments: ["--heaps", Self.catalog])
        let broker = try HeapwiseContext(Self.options(.socket(daemon.socket)))
        let failure = #expect(throws: HeapwiseFailure.self) { try broker.plan(file: Self.repository + "/Examples/camera-preview.yaml") }
        guard case let .broker(.refused(.refused(message)))? = failure else { Issue.record("\(String(describing: failure))"); return }
        #expect(message.contains("no rule of \(daemon.policy) matches uid \(getuid())"))
        #expect(failure?.numericCode == 1103)
        #expect(daemon.stop() == 0)
    }
}
