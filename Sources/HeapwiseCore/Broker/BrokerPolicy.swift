/// Who may allocate what through the broker (`heapwise serve --policy FILE`): rules by user,
/// group or everyone, the first that matches the caller wins, and a caller no rule matches is
/// refused. Identities come from the kernel (`SO_PEERCRED`, `SO_PEERGROUPS`), never from a
/// client's message.
public struct BrokerPolicy: Hashable, Sendable {
    public struct Rule: Hashable, Sendable {
        public enum Subject: Hashable, Sendable, CustomStringConvertible {
            case user(String)
            case uid(UInt32)
            case group(String)
            case gid(UInt32)
            case everyone

            public var description: String {
                switch self {
                case let .user(name): "user \(name)"
                case let .uid(uid): "uid \(uid)"
                case let .group(name): "group \(name)"
                case let .gid(gid): "gid \(gid)"
                case .everyone: "everyone"
                }
            }
        }

        public var subject: Subject
        /// Heap names or kinds (`system`, `cma`, `reserved`); nil allows every heap.
        public var heaps: [String]?
        public var maxBytes: Int
        public var maxBuffers: Int
        public var maxBufferSize: Int
        public var requestsPerSecond: Int
        /// Where the rule is in the policy file, for log lines and errors.
        public var line: Int?

        public init(subject: Subject, heaps: [String]?, maxBytes: Int, maxBuffers: Int = 256, maxBufferSize: Int? = nil,
                    requestsPerSecond: Int = 100, line: Int? = nil) {
            self.subject = subject
            self.heaps = heaps
            self.maxBytes = maxBytes
            self.maxBuffers = maxBuffers
            self.maxBufferSize = maxBufferSize ?? maxBytes
            self.requestsPerSecond = requestsPerSecond
            self.line = line
        }

        /// Whether the rule lets `heap` be allocated from: by name or by kind.
        public func allows(_ heap: Heap) -> Bool {
            heaps.map { $0.contains(heap.name) || $0.contains(heap.kind.rawValue) } ?? true
        }

        public func matches(_ peer: BrokerPeer) -> Bool {
            switch subject {
            case let .user(name): peer.user == name
            case let .uid(uid): peer.uid == uid
            case let .group(name): peer.groupNames.contains(name)
            case let .gid(gid): peer.gid == gid || peer.groups.contains(gid)
            case .everyone: true
            }
        }

        /// `policy.yaml:4 (group video)`: how refusals and logs name the rule.
        public var label: String { (line.map { "rule at line \($0)" } ?? "rule") + " (\(subject))" }
    }

    public var rules: [Rule]
    /// The file the rules came from, for messages.
    public var origin: String

    public init(rules: [Rule], origin: String) {
        self.rules = rules
        self.origin = origin
    }

    /// The first rule that matches `peer`, or nil: refused.
    public func rule(for peer: BrokerPeer) -> Rule? { rules.first { $0.matches(peer) } }
}

/// A connected client as the kernel describes it, with the names the password and group
/// databases give its ids.
public struct BrokerPeer: Hashable, Sendable, CustomStringConvertible {
    public var pid: ProcessID
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups (`SO_PEERGROUPS`).
    public var groups: [UInt32]
    public var user: String?
    /// Names of `gid` and `groups`.
    public var groupNames: [String]

    public init(pid: ProcessID, uid: UInt32, gid: UInt32, groups: [UInt32] = [], user: String? = nil, groupNames: [String] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.user = user
        self.groupNames = groupNames
    }

    public var description: String { "pid \(pid) uid \(uid)" + (user.map { " (\($0))" } ?? "") }
}
