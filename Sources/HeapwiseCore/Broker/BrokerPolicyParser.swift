/// Reads a broker policy file, with `file:line:column` errors like profiles:
///
///     rules:
///       - group: video            # or user: NAME, uid: N, gid: N, everyone: true
///         heaps: [system, cma]    # heap names or kinds; leave out for every heap
///         max_bytes: 512MiB       # what its processes may hold at once (required)
///         max_buffers: 64         # default 256
///         max_buffer_size: 64MiB  # default max_bytes
///         requests_per_second: 50 # default 100
public enum BrokerPolicyParser {
    static let subjectKeys = ["user", "uid", "group", "gid", "everyone"]
    static let ruleKeys = subjectKeys + ["heaps", "max_bytes", "max_buffers", "max_buffer_size", "requests_per_second"]

    public static func parse(_ text: String, file: String? = nil) throws(InputError) -> BrokerPolicy {
        let root = try YAMLValue.parse(text, file: file)
        let fields = try root.fields(allowed: ["rules"], required: ["rules"])
        guard let list = fields["rules"] else { throw root.error(.missingKey, "missing required key 'rules'") }
        var rules: [BrokerPolicy.Rule] = []
        for item in try list.sequence() { rules.append(try rule(item)) }
        guard !rules.isEmpty else { throw list.error("the policy has no rules: every client would be refused; add one (see Examples/broker/policy.yaml)") }
        return BrokerPolicy(rules: rules, origin: file ?? "policy")
    }

    private static func rule(_ item: YAMLValue) throws(InputError) -> BrokerPolicy.Rule {
        let f = try item.fields(allowed: ruleKeys, required: ["max_bytes"])
        let subjects = subjectKeys.filter { f[$0] != nil }
        guard subjects.count == 1, let key = subjects.first, let value = f[key] else {
            throw item.error(.missingKey, "a rule names exactly one of \(subjectKeys.joined(separator: ", ")); this one names \(subjects.isEmpty ? "none" : subjects.joined(separator: " and "))")
        }
        let subject: BrokerPolicy.Rule.Subject
        switch key {
        case "user": subject = .user(try name(value))
        case "group": subject = .group(try name(value))
        case "uid": subject = .uid(try id(value))
        case "gid": subject = .gid(try id(value))
        default:
            guard try value.bool() else { throw value.error("everyone: false matches no one; leave the rule out instead") }
            subject = .everyone
        }
        var heaps: [String]?
        if let heapsValue = f["heaps"] {
            let names = try heapsValue.strings()
            guard !names.isEmpty else { throw heapsValue.error("an empty heaps list allows nothing; leave 'heaps' out to allow every heap") }
            heaps = names
        }
        func size(_ key: String, atLeast minimum: Int) throws(InputError) -> Int? {
            guard let node = f[key] else { return nil }
            let number = try node.int()
            guard number >= minimum else { throw node.error("\(key) must be at least \(minimum), got \(number)") }
            return number
        }
        guard let maxBytes = try size("max_bytes", atLeast: 0) else { throw item.error(.missingKey, "missing required key 'max_bytes'") }
        let maxBufferSize = try size("max_buffer_size", atLeast: 1)
        if let maxBufferSize, maxBufferSize > maxBytes, let node = f["max_buffer_size"] {
            throw node.error("max_buffer_size (\(maxBufferSize)) is more than max_bytes (\(maxBytes)): no such buffer could be held")
        }
        return BrokerPolicy.Rule(
            subject: subject, heaps: heaps, maxBytes: maxBytes,
            maxBuffers: try size("max_buffers", atLeast: 0) ?? 256,
            maxBufferSize: maxBufferSize,
            requestsPerSecond: try size("requests_per_second", atLeast: 1) ?? 100,
            line: item.node.mark.line)
    }

    private static func name(_ value: YAMLValue) throws(InputError) -> String {
        let text = try value.string()
        guard !text.isEmpty, text.utf8.count <= 64, !text.contains(where: { $0 == ":" || $0 == "\n" || $0 == " " }) else {
            throw value.error("'\(text)' is not a user or group name")
        }
        return text
    }

    private static func id(_ value: YAMLValue) throws(InputError) -> UInt32 {
        let number = try value.int()
        guard (0...Int(UInt32.max - 1)).contains(number) else { throw value.error("\(number) is not a uid or gid") }
        return UInt32(number)
    }
}
