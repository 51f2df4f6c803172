/// Several clients' submissions sharing one device address space, served in arrival order.
///
/// A submission binds at once when no older one is waiting; otherwise it queues, and each
/// completion binds waiting submissions from the head while they fit. Nothing overtakes a
/// waiting submission, so with one outstanding submission per client, at most `clients − 1`
/// others are bound between a submission's arrival and its own bind: no starvation
/// (`Models/residency.pml` checks the same rule with spin, and that dropping the queue
/// starves a client).
public struct ResidencyScheduler: Sendable {
    public private(set) var space: ResidencySpace
    public private(set) var waiting: [Submission] = []
    public private(set) var running: [UInt64: Submission] = [:]
    /// For each waiting submission, how many others were bound since it arrived.
    public private(set) var overtaken: [UInt64: Int] = [:]
    /// The most any submission was overtaken before it was bound.
    public private(set) var maxOvertaken = 0

    public init(_ space: DeviceAddressSpace) { self.space = ResidencySpace(space) }

    /// True when bound now; false when queued. A submission that can never fit is refused.
    public mutating func submit(_ submission: Submission) throws(ResidencyError) -> Bool {
        if waiting.isEmpty {
            if case .bound = try space.bind(submission) {
                markBound(submission)
                return true
            }
        } else {
            // Refuse the impossible before queueing it (bind, above, does that itself).
            _ = try space.buffersIfEverResident(submission)
        }
        waiting.append(submission)
        overtaken[submission.id] = 0
        return false
    }

    /// `id` finished: its buffers are unpinned; waiting submissions bound in order while they
    /// fit are returned.
    public mutating func complete(_ id: UInt64) -> [Submission] {
        guard let submission = running.removeValue(forKey: id) else { return [] }
        space.complete(submission)
        var bound: [Submission] = []
        while let head = waiting.first, case .bound? = try? space.bind(head) {
            waiting.removeFirst()
            bound.append(head)
            markBound(head)
        }
        return bound
    }

    private mutating func markBound(_ submission: Submission) {
        running[submission.id] = submission
        if let count = overtaken.removeValue(forKey: submission.id) { maxOvertaken = max(maxOvertaken, count) }
        for other in overtaken.keys { overtaken[other]? += 1 }
    }
}
