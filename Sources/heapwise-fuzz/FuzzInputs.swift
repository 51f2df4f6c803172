import HeapwiseCore

/// Fuzzes the readers of what users and other programs hand Heapwise: profiles, pipelines,
/// heap catalogs and hint files, in YAML or JSON (the broker will take pipelines from other
/// processes), and the `/proc` text `heapwise stats` reads (fdinfo, maps, status, bufinfo,
/// passwd), which other processes shape through buffer names and their own mappings. Any
/// input may be refused, never crash; what parses must survive its own JSON (writing a profile
/// or pipeline as JSON and reading it back gives the same value), and what the `/proc`
/// parsers return must be what the kernel could have written; and the broker's messages,
/// which any process that can connect sends.
///
/// Built with libFuzzer by `scripts/fuzz.sh` (`-DFUZZING`, `--sanitize=fuzzer`); without
/// FUZZING it is a plain program that replays files given as arguments, for a crash's input.
enum FuzzInputs {
    static func check(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let profile = try? ProfileParser.parse(text, file: "fuzz.yaml") {
            let json = profile.json.serialized()
            guard let back = try? ProfileParser.parse(json, file: "fuzz.json"), back.json == profile.json else {
                fatalError("a parsed profile does not read back from its JSON:\n\(text)\n---\n\(json)")
            }
        }
        if let pipeline = try? PipelineParser.parse(text, file: "fuzz.yaml") {
            let json = pipeline.json.serialized()
            guard let back = try? PipelineParser.parse(json, file: "fuzz.json"), back.json == pipeline.json else {
                fatalError("a parsed pipeline does not read back from its JSON:\n\(text)\n---\n\(json)")
            }
        }
        _ = try? HeapCatalogParser.parse(text, file: "fuzz.yaml")
        _ = try? HeapHintsParser.parse(text, file: "fuzz.yaml")
        checkProcText(Array(bytes))
        checkBrokerMessage(Array(bytes))
    }

    /// The broker's decoder, which faces any process that can connect: a frame or a body
    /// that decodes must encode to a message that decodes to the same request.
    static func checkBrokerMessage(_ bytes: [UInt8]) {
        var frames: [BrokerFrame] = []
        if let frame = try? BrokerFrame.decode(bytes) { frames.append(frame) }
        // The input as the body of each request kind, so the JSON decoders see it directly.
        for kind in BrokerFrame.Kind.allCases where kind.isRequest { frames.append(BrokerFrame(kind, requestID: 9, body: bytes)) }
        for frame in frames {
            guard let request = try? BrokerRequest.decode(frame) else { continue }
            // A decoded pipeline holds profiles as text and live devices by name: never a
            // profile name, so it always encodes.
            guard let again = try? request.frame(requestID: frame.requestID).bytes else {
                fatalError("a decoded broker request does not encode: \(request)")
            }
            guard let back = try? BrokerRequest.decode(BrokerFrame.decode(again)), back == request else {
                fatalError("a decoded broker request does not survive its own encoding: \(request)")
            }
        }
        if let fields = try? BrokerFrame(.allocateReply, requestID: 0, body: bytes).object() {
            _ = try? BrokerAllocation.decode(fields)
        }
        if let fields = try? BrokerFrame(.statsReply, requestID: 0, body: bytes).object() {
            _ = try? BrokerHoldings.decode(fields)
        }
    }

    static func checkProcText(_ bytes: [UInt8]) {
        if case let .dmaBuf(info) = ProcText.fdinfo(bytes), info.size < 0 || info.size > ProcText.maximumBufferSize || (info.count ?? 0) < 0 {
            fatalError("fdinfo parsed to a negative or impossible size, or a negative count: \(info)")
        }
        let (mappings, _) = ProcText.dmaBufMappings(bytes)
        for mapping in mappings where mapping.end < mapping.start {
            fatalError("a maps line parsed to a range that ends before it starts: \(mapping)")
        }
        _ = ProcText.status(bytes)
        _ = ProcText.threadGroup(bytes)
        if let listed = ProcText.bufinfo(bytes), listed.values.contains(where: { $0.size < 0 || $0.size > ProcText.maximumBufferSize }) {
            fatalError("bufinfo parsed to a negative or impossible size")
        }
        _ = ProcText.passwd(String(decoding: bytes, as: UTF8.self))
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
    FuzzInputs.check(UnsafeRawBufferPointer(start: data, count: count))
    return 0
}
#else
import Glibc

@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { print("\(path): cannot open"); continue }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { bytes += chunk[0..<count] }
            fclose(file)
            bytes.withUnsafeBytes(FuzzInputs.check)
            print("\(path): ok")
        }
    }
}
#endif
