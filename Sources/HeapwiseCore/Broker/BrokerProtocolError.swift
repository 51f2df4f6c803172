/// What is wrong with a message, or why a request was refused: sent back as an `error`
/// reply (`docs/protocol.md`), whose `code` is the case's name.
public enum BrokerProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The packet or its body breaks the protocol: the broker replies and closes the connection.
    case malformed(String)
    case unsupportedVersion(UInt16)
    /// A request that is well formed but not allowed now (`allocate` before `hello`).
    case outOfOrder(String)
    /// No policy rule allows this user, or the rule does not allow what was asked.
    case refused(String)
    /// The request would take the caller over its rule's limits; the message has the numbers.
    case quota(String)
    /// Too many requests per second for the caller's rule.
    case rateLimited(String)
    /// The pipeline is wrong (a profile that does not parse, an unknown device or usage).
    case invalidPipeline(String)
    /// No plan satisfies every participant.
    case unsatisfiable(String)
    /// The kernel could not allocate the plan.
    case allocationFailed(String)

    /// The `code` of the error reply.
    public var code: String {
        switch self {
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupported_version"
        case .outOfOrder: "out_of_order"
        case .refused: "refused"
        case .quota: "quota"
        case .rateLimited: "rate_limited"
        case .invalidPipeline: "invalid_pipeline"
        case .unsatisfiable: "unsatisfiable"
        case .allocationFailed: "allocation_failed"
        }
    }

    public var message: String {
        switch self {
        case let .malformed(text), let .outOfOrder(text), let .refused(text), let .quota(text), let .rateLimited(text),
             let .invalidPipeline(text), let .unsatisfiable(text), let .allocationFailed(text): text
        case let .unsupportedVersion(version): "protocol version \(version) is not spoken here; this broker speaks version \(BrokerFrame.version)"
        }
    }

    /// Whether the broker closes the connection after replying: a client that breaks the
    /// framing cannot be trusted to be in step with it.
    public var closesConnection: Bool {
        switch self {
        case .malformed, .unsupportedVersion, .outOfOrder: true
        default: false
        }
    }

    public var description: String { "\(code): \(message)" }

    /// The reply's body.
    public var json: JSON { .object([("error", .object([("code", .string(code)), ("message", .string(message))]))]) }

    /// Reads an error reply's body back (the client side).
    public static func from(_ fields: BrokerFields) throws(BrokerProtocolError) -> BrokerProtocolError {
        let error = try fields.object("error")
        let code = try error.string("code")
        let message = try error.string("message")
        try error.done()
        try fields.done()
        switch code {
        case "malformed": return .malformed(message)
        case "unsupported_version":
            let words = message.split(separator: " ")
            return .unsupportedVersion(words.count > 2 ? UInt16(words[2]) ?? 0 : 0)
        case "out_of_order": return .outOfOrder(message)
        case "refused": return .refused(message)
        case "quota": return .quota(message)
        case "rate_limited": return .rateLimited(message)
        case "invalid_pipeline": return .invalidPipeline(message)
        case "unsatisfiable": return .unsatisfiable(message)
        case "allocation_failed": return .allocationFailed(message)
        default: return .malformed("an error reply with the unknown code '\(code)': \(message)")
        }
    }
}
