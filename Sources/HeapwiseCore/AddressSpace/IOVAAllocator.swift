/// Chooses device addresses in one `DeviceAddressSpace`: first fit (the lowest address that
/// can hold the mapping, aligned), over a tree of free ranges, merging neighbours on free.
///
/// The free ranges sit in a treap ordered by start address, each node also keeping the
/// longest free range in its subtree (and the most room at 64 KiB and 2 MiB alignment), so a
/// search skips every subtree that cannot hold the mapping:
/// allocate and free are O(log n) in the number of free ranges (expected; the treap's shape
/// comes from a seeded generator, so a run is reproducible). Linux's own IOVA allocator
/// (`drivers/iommu/iova.c`) is an rbtree searched top-down from a limit; first fit from the
/// bottom is used here because it keeps a userspace-managed space (VFIO type1) packed low,
/// under the smallest DMA mask of the devices sharing a buffer.
///
/// Nodes are 32-byte values in one array with `Int32` links (no reference counting on the
/// hot path, one cache line per node visited); freed nodes are reused.
public struct IOVAAllocator: Sendable {
    public let space: DeviceAddressSpace

    struct Node {
        var start: UInt64
        var length: UInt64
        /// The longest free range in this node's subtree.
        var longest: UInt64
        /// The most room in this subtree for a mapping starting on a 64 KiB, and on a 2 MiB,
        /// boundary (the common larger alignments of IOMMU blocks and GPU pages): what a
        /// range offers once its start is rounded up. A search for an aligned mapping skips
        /// a subtree on these, not only on length, so ranges long enough but misaligned are
        /// never walked through.
        var room64K: UInt64
        var room2M: UInt64
        var left: Int32
        var right: Int32
    }

    /// The alignment classes `Node` keeps room for, beside the granule.
    static let class64K: UInt64 = 1 << 16
    static let class2M: UInt64 = 1 << 21

    private var nodes: [Node] = []
    /// Heap priorities, apart from the nodes: only insertion and merging read them.
    private var priority: [UInt32] = []
    private var spare: [Int32] = []
    private var root: Int32 = -1
    private var random: SplitMix64
    /// Live mappings: start → length.
    public private(set) var mappings: [UInt64: UInt64] = [:]
    public private(set) var freeBytes: UInt64 = 0
    /// Free ranges in the tree.
    public private(set) var freeRanges = 0

    public init(_ space: DeviceAddressSpace, seed: UInt64 = 0x494F_5641) {
        self.space = space
        random = SplitMix64(seed: seed)
        for range in space.ranges {
            insertFree(range.start, range.length)
            freeBytes += range.length
        }
    }

    // MARK: Allocation

    /// A range of at least `bytes` (rounded up to whole granules) starting on a multiple of
    /// `alignment` (at least the granule; a power of two), at the lowest address that has room.
    public mutating func allocate(bytes: UInt64, alignment: UInt64 = 0) throws(IOVAError) -> IOVARange {
        let (size, align) = try request(bytes: bytes, alignment: alignment)
        let node = firstFit(root, size: size, alignment: align)
        guard node >= 0 else {
            throw .noRoom(bytes: size, alignment: align, largestFree: largestFree, free: freeBytes, space: space.size)
        }
        let nodeStart = nodes[Int(node)].start
        let nodeEnd = nodeStart + nodes[Int(node)].length
        // firstFit checked the aligned start and its end fit in the node.
        let at = IOVA.alignUp(nodeStart, align) ?? nodeStart
        let prefix = at - nodeStart
        let suffix = nodeEnd - (at + size)
        switch (prefix, suffix) {
        case (0, 0):
            root = erase(root, key: nodeStart)
            freeRanges -= 1
        case (0, _):
            // The node keeps its place in the order: it still lies between its neighbours.
            nodes[Int(node)].start = at + size
            nodes[Int(node)].length = suffix
            refresh(key: at + size)
        default:
            nodes[Int(node)].length = prefix
            refresh(key: nodeStart)
            if suffix > 0 { insertFree(at + size, suffix) }
        }
        freeBytes -= size
        mappings[at] = size
        return IOVARange(start: at, length: size)
    }

    /// Gives a range `allocate` returned back, joined with the free ranges on either side.
    public mutating func free(_ range: IOVARange) throws(IOVAError) {
        guard let size = mappings[range.start], size == range.length else { throw .notMapped(range) }
        mappings[range.start] = nil
        freeBytes += size
        let end = range.start + size
        let (before, after) = neighbours(of: range.start)
        let joinsBefore = before >= 0 && nodes[Int(before)].start + nodes[Int(before)].length == range.start
        let joinsAfter = after >= 0 && nodes[Int(after)].start == end
        switch (joinsBefore, joinsAfter) {
        case (true, true):
            let afterStart = nodes[Int(after)].start
            nodes[Int(before)].length += size + nodes[Int(after)].length
            root = erase(root, key: afterStart)
            freeRanges -= 1
            refresh(key: nodes[Int(before)].start)
        case (true, false):
            nodes[Int(before)].length += size
            refresh(key: nodes[Int(before)].start)
        case (false, true):
            nodes[Int(after)].start = range.start
            nodes[Int(after)].length += size
            refresh(key: range.start)
        case (false, false):
            insertFree(range.start, size)
        }
    }

    /// Whether a mapping of `bytes` aligned to `alignment` would fit now (nothing changes).
    public func fits(bytes: UInt64, alignment: UInt64 = 0) -> Bool {
        guard let (size, align) = try? request(bytes: bytes, alignment: alignment) else { return false }
        return firstFit(root, size: size, alignment: align) >= 0
    }

    /// The mapping's size in whole granules and its alignment (at least the granule), or why
    /// no state of this space could hold it.
    private func request(bytes: UInt64, alignment: UInt64) throws(IOVAError) -> (size: UInt64, alignment: UInt64) {
        guard bytes > 0 else { throw .zeroSize }
        let align = max(alignment, space.granule)
        guard IOVA.isPowerOfTwo(align) else { throw .alignmentNotPowerOfTwo(alignment) }
        guard let size = IOVA.alignUp(bytes, space.granule), size <= space.size else {
            throw .largerThanSpace(bytes: bytes, space: space.size)
        }
        return (size, align)
    }

    // MARK: Reports

    public var largestFree: UInt64 { root >= 0 ? nodes[Int(root)].longest : 0 }
    public var mappedBytes: UInt64 { space.size - freeBytes }

    /// 0 when all free space is one range; near 1 when it is scattered in small pieces.
    public var fragmentation: Double {
        freeBytes == 0 ? 0 : 1 - Double(largestFree) / Double(freeBytes)
    }

    /// Free ranges in address order (a walk of the tree; for tests and reports).
    public var freeList: [IOVARange] {
        var result: [IOVARange] = []
        result.reserveCapacity(freeRanges)
        var stack: [Int32] = []
        var node = root
        while node >= 0 || !stack.isEmpty {
            while node >= 0 {
                stack.append(node)
                node = nodes[Int(node)].left
            }
            let top = stack.removeLast()
            result.append(IOVARange(start: nodes[Int(top)].start, length: nodes[Int(top)].length))
            node = nodes[Int(top)].right
        }
        return result
    }

    // MARK: The treap

    private func fitsNode(_ node: Int32, size: UInt64, alignment: UInt64) -> Bool {
        let nodeStart = nodes[Int(node)].start
        guard let at = IOVA.alignUp(nodeStart, alignment) else { return false }
        let available = nodeStart + nodes[Int(node)].length
        return at < available && available - at >= size
    }

    /// The lowest free range a mapping fits in, or -1. Subtrees without room for it are
    /// skipped whole: room is counted for the largest alignment class not above `alignment`,
    /// which is exact for the granule, 64 KiB and 2 MiB (a subtree entered always holds a
    /// fit, so the search is one descent) and an upper bound between them.
    private func firstFit(_ node: Int32, size: UInt64, alignment: UInt64) -> Int32 {
        guard node >= 0, room(node, alignment) >= size else { return -1 }
        let found = firstFit(nodes[Int(node)].left, size: size, alignment: alignment)
        if found >= 0 { return found }
        if fitsNode(node, size: size, alignment: alignment) { return node }
        return firstFit(nodes[Int(node)].right, size: size, alignment: alignment)
    }

    @inline(__always)
    private func room(_ node: Int32, _ alignment: UInt64) -> UInt64 {
        if alignment >= Self.class2M { return nodes[Int(node)].room2M }
        if alignment >= Self.class64K { return nodes[Int(node)].room64K }
        return nodes[Int(node)].longest
    }

    /// What a free range offers a mapping that starts on a multiple of `alignment`.
    @inline(__always)
    private static func usable(_ start: UInt64, _ length: UInt64, _ alignment: UInt64) -> UInt64 {
        let at = (start &+ (alignment &- 1)) & ~(alignment &- 1)
        let end = start + length
        return at >= start && at < end ? end - at : 0
    }

    /// The free ranges just below and just above `key` (-1 where there is none), in one descent.
    private func neighbours(of key: UInt64) -> (below: Int32, above: Int32) {
        var node = root
        var below: Int32 = -1, above: Int32 = -1
        while node >= 0 {
            let nodeStart = nodes[Int(node)].start
            if nodeStart < key {
                below = node
                node = nodes[Int(node)].right
            } else {
                if nodeStart > key { above = node }
                node = nodes[Int(node)].left
            }
        }
        return (below, above)
    }

    private mutating func pull(_ node: Int32) {
        let index = Int(node)
        let start = nodes[index].start, length = nodes[index].length
        var best = length
        var best64K = Self.usable(start, length, Self.class64K), best2M = Self.usable(start, length, Self.class2M)
        let l = nodes[index].left, r = nodes[index].right
        if l >= 0 {
            best = max(best, nodes[Int(l)].longest)
            best64K = max(best64K, nodes[Int(l)].room64K)
            best2M = max(best2M, nodes[Int(l)].room2M)
        }
        if r >= 0 {
            best = max(best, nodes[Int(r)].longest)
            best64K = max(best64K, nodes[Int(r)].room64K)
            best2M = max(best2M, nodes[Int(r)].room2M)
        }
        nodes[index].longest = best
        nodes[index].room64K = best64K
        nodes[index].room2M = best2M
    }

    /// Recomputes `longest` on the path to the node starting at `key` (after its length or
    /// start changed in place, order kept).
    private mutating func refresh(key: UInt64) { refresh(root, key: key) }

    private mutating func refresh(_ node: Int32, key: UInt64) {
        guard node >= 0 else { return }
        let nodeStart = nodes[Int(node)].start
        if key < nodeStart {
            refresh(nodes[Int(node)].left, key: key)
        } else if key > nodeStart {
            refresh(nodes[Int(node)].right, key: key)
        }
        pull(node)
    }

    private mutating func makeNode(_ nodeStart: UInt64, _ nodeLength: UInt64) -> Int32 {
        let weight = UInt32(truncatingIfNeeded: random.next() >> 32)
        let node = Node(start: nodeStart, length: nodeLength, longest: nodeLength,
                        room64K: Self.usable(nodeStart, nodeLength, Self.class64K),
                        room2M: Self.usable(nodeStart, nodeLength, Self.class2M), left: -1, right: -1)
        if let reused = spare.popLast() {
            nodes[Int(reused)] = node
            priority[Int(reused)] = weight
            return reused
        }
        nodes.append(node)
        priority.append(weight)
        return Int32(nodes.count - 1)
    }

    private mutating func insertFree(_ nodeStart: UInt64, _ nodeLength: UInt64) {
        let node = makeNode(nodeStart, nodeLength)
        root = insert(root, node)
        freeRanges += 1
    }

    private mutating func insert(_ tree: Int32, _ node: Int32) -> Int32 {
        guard tree >= 0 else { return node }
        if priority[Int(node)] > priority[Int(tree)] {
            let (lower, upper) = split(tree, key: nodes[Int(node)].start)
            nodes[Int(node)].left = lower
            nodes[Int(node)].right = upper
            pull(node)
            return node
        }
        if nodes[Int(node)].start < nodes[Int(tree)].start {
            nodes[Int(tree)].left = insert(nodes[Int(tree)].left, node)
        } else {
            nodes[Int(tree)].right = insert(nodes[Int(tree)].right, node)
        }
        pull(tree)
        return tree
    }

    /// Nodes starting below `key`, and the rest.
    private mutating func split(_ tree: Int32, key: UInt64) -> (Int32, Int32) {
        guard tree >= 0 else { return (-1, -1) }
        if nodes[Int(tree)].start < key {
            let (lower, upper) = split(nodes[Int(tree)].right, key: key)
            nodes[Int(tree)].right = lower
            pull(tree)
            return (tree, upper)
        } else {
            let (lower, upper) = split(nodes[Int(tree)].left, key: key)
            nodes[Int(tree)].left = upper
            pull(tree)
            return (lower, tree)
        }
    }

    /// Joins two treaps, every key of `lower` below every key of `upper`.
    private mutating func merge(_ lower: Int32, _ upper: Int32) -> Int32 {
        if lower < 0 { return upper }
        if upper < 0 { return lower }
        if priority[Int(lower)] > priority[Int(upper)] {
            nodes[Int(lower)].right = merge(nodes[Int(lower)].right, upper)
            pull(lower)
            return lower
        } else {
            nodes[Int(upper)].left = merge(lower, nodes[Int(upper)].left)
            pull(upper)
            return upper
        }
    }

    private mutating func erase(_ tree: Int32, key: UInt64) -> Int32 {
        guard tree >= 0 else { return -1 }
        let nodeStart = nodes[Int(tree)].start
        if nodeStart == key {
            let joined = merge(nodes[Int(tree)].left, nodes[Int(tree)].right)
            spare.append(tree)
            return joined
        }
        if key < nodeStart {
            nodes[Int(tree)].left = erase(nodes[Int(tree)].left, key: key)
        } else {
            nodes[Int(tree)].right = erase(nodes[Int(tree)].right, key: key)
        }
        pull(tree)
        return tree
    }
}

/// Why a device address could not be given or taken back.
public enum IOVAError: Error, Hashable, Sendable, CustomStringConvertible {
    case zeroSize
    case alignmentNotPowerOfTwo(UInt64)
    /// More than the whole address space, even empty.
    case largerThanSpace(bytes: UInt64, space: UInt64)
    /// No free range holds it now (after alignment), though the space as a whole might.
    case noRoom(bytes: UInt64, alignment: UInt64, largestFree: UInt64, free: UInt64, space: UInt64)
    case notMapped(IOVARange)

    public var description: String {
        func size(_ value: UInt64) -> String { ByteCount.format(Int(clamping: value)) }
        switch self {
        case .zeroSize: return "a mapping of 0 bytes: ask for at least one byte"
        case let .alignmentNotPowerOfTwo(value): return "alignment \(value) is not a power of two"
        case let .largerThanSpace(bytes, space):
            return "\(size(bytes)) is more than the device's whole address space (\(size(space)))"
        case let .noRoom(bytes, alignment, largest, free, space):
            return "no free range holds \(size(bytes)) aligned to \(size(alignment)): the largest is \(size(largest)), \(size(free)) of \(size(space)) free in all"
                + (free >= bytes ? " (fragmented: unmap buffers no submission uses)" : "")
        case let .notMapped(range): return "\(range) is not a mapping of this address space"
        }
    }
}
