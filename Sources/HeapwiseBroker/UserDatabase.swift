import HeapwiseCore
import HeapwiseLinux

/// User and group names for the broker's policy and logs, from `/etc/passwd` and
/// `/etc/group` (read when the policy is loaded, so a SIGHUP also picks up new users).
struct UserDatabase: Sendable {
    var users: [UInt32: String]
    var groups: [UInt32: String]

    static func read(passwd: String = "/etc/passwd", group: String = "/etc/group") -> UserDatabase {
        UserDatabase(users: (try? UserFiles.read(passwd)).map(ProcText.passwd) ?? [:],
                     groups: (try? UserFiles.read(group)).map(ProcText.groups) ?? [:])
    }

    /// The peer with its names.
    func peer(pid: ProcessID, uid: UInt32, gid: UInt32, groups supplementary: [UInt32]) -> BrokerPeer {
        let ids = [gid] + supplementary.filter { $0 != gid }
        return BrokerPeer(pid: pid, uid: uid, gid: gid, groups: supplementary, user: users[uid], groupNames: ids.compactMap { groups[$0] })
    }

    /// Refuses a policy naming a user or group this machine does not have: a typo there
    /// would silently refuse everyone it meant to allow.
    func check(_ policy: BrokerPolicy) throws(InputError) {
        for rule in policy.rules {
            switch rule.subject {
            case let .user(name) where !users.values.contains(name):
                throw InputError(.unknownName, file: policy.origin, line: rule.line.map { $0 }, message: "user '\(name)' is not in /etc/passwd")
            case let .group(name) where !groups.values.contains(name):
                throw InputError(.unknownName, file: policy.origin, line: rule.line.map { $0 }, message: "group '\(name)' is not in /etc/group")
            default: break
            }
        }
    }
}

/// Reads and checks the broker's policy file.
enum PolicyLoader {
    static func load(_ path: String, users: UserDatabase) throws(InputError) -> BrokerPolicy {
        let policy = try BrokerPolicyParser.parse(try UserFiles.read(path), file: path)
        try users.check(policy)
        return policy
    }
}
