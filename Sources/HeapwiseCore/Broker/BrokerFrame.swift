/// One message of the broker protocol (`docs/protocol.md`): a 16-byte header and a JSON
/// body, sent as one `SOCK_SEQPACKET` packet, so the kernel keeps message boundaries and a
/// reply's dma-buf fds (`SCM_RIGHTS`) arrive with the packet that describes them.
///
///     offset  size  field
///     0       4     magic "HWBK"
///     4       2     protocol version, little-endian (1)
///     6       2     kind, little-endian (`Kind`)
///     8       4     request id, little-endian: chosen by the client, echoed in the reply
///     12      4     body length, little-endian: exactly the packet's length minus 16
///     16      n     body: one JSON object (UTF-8, RFC 8259), nothing before or after it
///
/// The length is redundant with the packet's on purpose: a packet whose header and size
/// disagree was cut or forged, and is refused rather than guessed at.
public struct BrokerFrame: Hashable, Sendable {
    public enum Kind: UInt16, Hashable, Sendable, CaseIterable {
        case hello = 1
        case plan = 2
        case allocate = 3
        case release = 4
        case stats = 5
        case helloReply = 0x8001
        case planReply = 0x8002
        case allocateReply = 0x8003
        case releaseReply = 0x8004
        case statsReply = 0x8005
        case error = 0xFFFF

        /// The reply kind a request is answered with (errors aside).
        public var reply: Kind? {
            switch self {
            case .hello: .helloReply
            case .plan: .planReply
            case .allocate: .allocateReply
            case .release: .releaseReply
            case .stats: .statsReply
            default: nil
            }
        }

        public var isRequest: Bool { rawValue < 0x8000 }
    }

    public static let magic: [UInt8] = Array("HWBK".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = 16
    /// The largest packet either side sends or accepts: under the 212,992-byte default
    /// socket buffer (`net.core.wmem_default`), which bounds a `SOCK_SEQPACKET` message
    /// (`unix_dgram_sendmsg` refuses one longer than `sk_sndbuf - 32` with EMSGSIZE).
    public static let maxMessage = 192 << 10

    public var kind: Kind
    public var requestID: UInt32
    public var body: [UInt8]

    public init(_ kind: Kind, requestID: UInt32, body: [UInt8]) {
        self.kind = kind
        self.requestID = requestID
        self.body = body
    }

    public init(_ kind: Kind, requestID: UInt32, json: JSON) {
        self.init(kind, requestID: requestID, body: Array(json.serialized(indent: nil).utf8))
    }

    /// The packet: header and body.
    public var bytes: [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + body.count)
        Self.append(Self.version, to: &bytes)
        Self.append(kind.rawValue, to: &bytes)
        Self.append(requestID, to: &bytes)
        Self.append(UInt32(body.count), to: &bytes)
        bytes += body
        return bytes
    }

    /// Reads one packet; every way it can be wrong is a `BrokerProtocolError` naming it.
    public static func decode(_ packet: [UInt8]) throws(BrokerProtocolError) -> BrokerFrame {
        guard packet.count >= headerSize else {
            throw .malformed("a message of \(packet.count) bytes is shorter than the 16-byte header")
        }
        guard packet.count <= maxMessage else { throw .malformed("a message of \(packet.count) bytes is over the \(maxMessage)-byte maximum") }
        guard Array(packet[0..<4]) == magic else { throw .malformed("the message does not start with the magic \"HWBK\"") }
        let version = UInt16(littleEndian: packet, at: 4)
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let rawKind = UInt16(littleEndian: packet, at: 6)
        guard let kind = Kind(rawValue: rawKind) else { throw .malformed("unknown message kind \(rawKind)") }
        let requestID = UInt32(littleEndian: packet, at: 8)
        let length = UInt32(littleEndian: packet, at: 12)
        guard Int(length) == packet.count - headerSize else {
            throw .malformed("the header says \(length) body bytes, the message has \(packet.count - headerSize)")
        }
        return BrokerFrame(kind, requestID: requestID, body: Array(packet[headerSize...]))
    }

    /// The body as a JSON object, strictly: anything but one object, or bytes after it, is refused.
    public func object() throws(BrokerProtocolError) -> BrokerFields {
        // RFC 8259 allows whitespace around a document; the protocol does not, so a body has
        // one spelling of its length.
        guard body.first == UInt8(ascii: "{"), body.last == UInt8(ascii: "}") else {
            throw .malformed("the body must be one JSON object with nothing before or after it")
        }
        let value: StrictJSON
        do { value = try StrictJSON.parse(bytes: body) } catch { throw .malformed("the body is not JSON: \(error)") }
        guard case let .object(fields) = value else { throw .malformed("the body must be a JSON object, not \(value.typeName)") }
        return BrokerFields(fields, path: "")
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

extension FixedWidthInteger {
    init(littleEndian bytes: [UInt8], at offset: Int) {
        var value = Self.zero
        for index in 0..<(Self.bitWidth / 8) { value |= Self(bytes[offset + index]) << (8 * index) }
        self = value
    }
}
