import Foundation
@testable import HeapwiseCore
import Testing

/// The fuzzer's seed corpus of broker messages (`scripts/fuzz-seeds/broker-*.bin`) is what
/// the encoder writes today: a change to the wire format that forgets the seeds fails here.
@Suite struct BrokerSeedTests {
    static let seeds: [(String, BrokerRequest)] = [
        ("broker-hello.bin", .hello(protocol: 1, client: "seed")),
        ("broker-plan.bin", .plan(BrokerProtocolTests.pipeline)),
        ("broker-allocate.bin", .allocate(BrokerProtocolTests.pipeline, name: "cam0")),
        ("broker-allocate-plan.bin", .allocatePlan(plan: 3, name: "cam0")),
        ("broker-release.bin", .release(inodes: [21716, 21717])),
        ("broker-stats.bin", .stats),
    ]

    @Test func theSeedsAreTheEncodersBytes() throws {
        let directory = Repository.path + "/scripts/fuzz-seeds/"
        for (name, request) in Self.seeds {
            let expected = try request.frame(requestID: 1).bytes
            let stored = try #require(FileManager.default.contents(atPath: directory + name).map { [UInt8]($0) }, "\(name) is missing; write it with the bytes of request.frame(requestID: 1)")
            #expect(stored == expected, "\(name) differs from what the encoder writes")
        }
    }
}
