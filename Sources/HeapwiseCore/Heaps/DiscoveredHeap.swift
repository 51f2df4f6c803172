/// A heap found on this machine, with what this user can do with it.
public struct DiscoveredHeap: Hashable, Sendable {
    public var heap: Heap
    /// The node allocations go through.
    public var node: String
    /// Whether this user can open the node (heaps are often 0600 root).
    public var accessible: Bool
    /// For a CMA heap, the area's page allocation counters from `/sys/kernel/mm/cma/<name>/`
    /// (`CONFIG_CMA_SYSFS`): failures there are the first sign of an exhausted or fragmented area.
    public var cmaPagesAllocated: Int?
    public var cmaPagesFailed: Int?

    public init(heap: Heap, node: String, accessible: Bool, cmaPagesAllocated: Int? = nil, cmaPagesFailed: Int? = nil) {
        self.heap = heap
        self.node = node
        self.accessible = accessible
        self.cmaPagesAllocated = cmaPagesAllocated
        self.cmaPagesFailed = cmaPagesFailed
    }
}
