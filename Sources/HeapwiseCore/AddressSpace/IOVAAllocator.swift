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
/// Nodes are 56-byte values in one block of memory with `Int32` links: no reference
/// counting, and no bounds or uniqueness check per node on the hot path. Freed nodes are
/// reused. The block is copied on write like an array's, checked once per operation
/// (`makeUnique`), so `ResidencySpace`'s trial copies stay cheap until they change.
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
        /// The treap's heap priority (random): only insertion and merging read it.
        var priority: UInt32
    }

    /// The alignment classes `Node` keeps room for, beside the granule.
    static let class64K: UInt64 = 1 << 16
    static let class2M: UInt64 = 1 << 21

    /// The nodes, shared between copies until one of them changes (copy on write, checked
    /// once per operation instead of on every node written).
    private var storage = NodeStorage()
    /// The nodes' memory; valid until the next `makeUnique` or append.
    private var n: UnsafeMutablePointer<Node> { storage.base }
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
        makeUnique()
        let nodeStart = n[Int(node)].start
        let nodeEnd = nodeStart + n[Int(node)].length
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
            n[Int(node)].start = at + size
            n[Int(node)].length = suffix
            refresh(key: at + size)
        default:
            n[Int(node)].length = prefix
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
        makeUnique()
        mappings[range.start] = nil
        freeBytes += size
        let end = range.start + size
        let (before, after) = neighbours(of: range.start)
        let joinsBefore = before >= 0 && n[Int(before)].start + n[Int(before)].length == range.start
        let joinsAfter = after >= 0 && n[Int(after)].start == end
        switch (joinsBefore, joinsAfter) {
        case (true, true):
            let afterStart = n[Int(after)].start
            n[Int(before)].length += size + n[Int(after)].length
            root = erase(root, key: afterStart)
            freeRanges -= 1
            refresh(key: n[Int(before)].start)
        case (true, false):
            n[Int(before)].length += size
            refresh(key: n[Int(before)].start)
        case (false, true):
            n[Int(after)].start = range.start
            n[Int(after)].length += size
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

    public var largestFree: UInt64 { root >= 0 ? n[Int(root)].longest : 0 }
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
                node = n[Int(node)].left
            }
            let top = stack.removeLast()
            result.append(IOVARange(start: n[Int(top)].start, length: n[Int(top)].length))
            node = n[Int(top)].right
        }
        return result
    }

    // MARK: The treap

    private func fitsNode(_ node: Int32, size: UInt64, alignment: UInt64) -> Bool {
        let nodeStart = n[Int(node)].start
        guard let at = IOVA.alignUp(nodeStart, alignment) else { return false }
        let available = nodeStart + n[Int(node)].length
        return at < available && available - at >= size
    }

    /// The lowest free range a mapping fits in, or -1. Subtrees without room for it are
    /// skipped whole: room is counted for the largest alignment class not above `alignment`,
    /// which is exact for the granule, 64 KiB and 2 MiB (a subtree entered always holds a
    /// fit, so the search is one descent) and an upper bound between them.
    private func firstFit(_ node: Int32, size: UInt64, alignment: UInt64) -> Int32 {
        guard node >= 0, room(node, alignment) >= size else { return -1 }
        let found = firstFit(n[Int(node)].left, size: size, alignment: alignment)
        if found >= 0 { return found }
        if fitsNode(node, size: size, alignment: alignment) { return node }
        return firstFit(n[Int(node)].right, size: size, alignment: alignment)
    }

    @inline(__always)
    private func room(_ node: Int32, _ alignment: UInt64) -> UInt64 {
        if alignment >= Self.class2M { return n[Int(node)].room2M }
        if alignment >= Self.class64K { return n[Int(node)].room64K }
        return n[Int(node)].longest
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
            let nodeStart = n[Int(node)].start
            if nodeStart < key {
                below = node
                node = n[Int(node)].right
            } else {
                if nodeStart > key { above = node }
                node = n[Int(node)].left
            }
        }
        return (below, above)
    }

    /// Recomputes a node's summaries from its range and its children's; true if they changed.
    @inline(__always) @discardableResult
    private mutating func pull(_ node: Int32) -> Bool {
        let old = n[Int(node)]
        var x = old
        x.longest = x.length
        x.room64K = Self.usable(x.start, x.length, Self.class64K)
        x.room2M = Self.usable(x.start, x.length, Self.class2M)
        if x.left >= 0 {
            let c = n[Int(x.left)]
            x.longest = max(x.longest, c.longest)
            x.room64K = max(x.room64K, c.room64K)
            x.room2M = max(x.room2M, c.room2M)
        }
        if x.right >= 0 {
            let c = n[Int(x.right)]
            x.longest = max(x.longest, c.longest)
            x.room64K = max(x.room64K, c.room64K)
            x.room2M = max(x.room2M, c.room2M)
        }
        guard x.longest != old.longest || x.room64K != old.room64K || x.room2M != old.room2M else { return false }
        n[Int(node)] = x
        return true
    }

    /// Recomputes the summaries on the path to the node starting at `key` (after its length
    /// or start changed in place, order kept): bottom-up from that node, stopping at the
    /// first ancestor whose summary comes out the same (those above it cannot change).
    private mutating func refresh(key: UInt64) {
        let limit = 128
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: limit) { path in
            var depth = 0
            var node = root
            while node >= 0 && depth < limit {
                path[depth] = node
                depth += 1
                let nodeStart = n[Int(node)].start
                if key == nodeStart { break }
                node = key < nodeStart ? n[Int(node)].left : n[Int(node)].right
            }
            guard depth < limit || node < 0 || n[Int(node)].start == key else {
                refresh(root, key: key)  // deeper than any treap of this size should be: the plain walk
                return
            }
            var index = depth - 1
            while index >= 0 {
                let changed = pull(path[index])
                if !changed && index < depth - 1 { break }
                index -= 1
            }
        }
    }

    private mutating func refresh(_ node: Int32, key: UInt64) {
        guard node >= 0 else { return }
        let nodeStart = n[Int(node)].start
        if key < nodeStart {
            refresh(n[Int(node)].left, key: key)
        } else if key > nodeStart {
            refresh(n[Int(node)].right, key: key)
        }
        pull(node)
    }

    private mutating func makeNode(_ nodeStart: UInt64, _ nodeLength: UInt64) -> Int32 {
        let weight = UInt32(truncatingIfNeeded: random.next() >> 32)
        let node = Node(start: nodeStart, length: nodeLength, longest: nodeLength,
                        room64K: Self.usable(nodeStart, nodeLength, Self.class64K),
                        room2M: Self.usable(nodeStart, nodeLength, Self.class2M), left: -1, right: -1, priority: weight)
        if let reused = spare.popLast() {
            n[Int(reused)] = node
            return reused
        }
        return storage.append(node)
    }

    /// Gives this allocator nodes of its own before it changes them, if a copy shares them.
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    private mutating func insertFree(_ nodeStart: UInt64, _ nodeLength: UInt64) {
        let node = makeNode(nodeStart, nodeLength)
        root = insert(root, node)
        freeRanges += 1
    }

    private mutating func insert(_ tree: Int32, _ node: Int32) -> Int32 {
        guard tree >= 0 else { return node }
        if n[Int(node)].priority > n[Int(tree)].priority {
            let (lower, upper) = split(tree, key: n[Int(node)].start)
            n[Int(node)].left = lower
            n[Int(node)].right = upper
            pull(node)
            return node
        }
        if n[Int(node)].start < n[Int(tree)].start {
            n[Int(tree)].left = insert(n[Int(tree)].left, node)
        } else {
            n[Int(tree)].right = insert(n[Int(tree)].right, node)
        }
        pull(tree)
        return tree
    }

    /// Nodes starting below `key`, and the rest.
    private mutating func split(_ tree: Int32, key: UInt64) -> (Int32, Int32) {
        guard tree >= 0 else { return (-1, -1) }
        if n[Int(tree)].start < key {
            let (lower, upper) = split(n[Int(tree)].right, key: key)
            n[Int(tree)].right = lower
            pull(tree)
            return (tree, upper)
        } else {
            let (lower, upper) = split(n[Int(tree)].left, key: key)
            n[Int(tree)].left = upper
            pull(tree)
            return (lower, tree)
        }
    }

    /// Joins two treaps, every key of `lower` below every key of `upper`.
    private mutating func merge(_ lower: Int32, _ upper: Int32) -> Int32 {
        if lower < 0 { return upper }
        if upper < 0 { return lower }
        if n[Int(lower)].priority > n[Int(upper)].priority {
            n[Int(lower)].right = merge(n[Int(lower)].right, upper)
            pull(lower)
            return lower
        } else {
            n[Int(upper)].left = merge(lower, n[Int(upper)].left)
            pull(upper)
            return upper
        }
    }

    private mutating func erase(_ tree: Int32, key: UInt64) -> Int32 {
        guard tree >= 0 else { return -1 }
        let nodeStart = n[Int(tree)].start
        if nodeStart == key {
            let joined = merge(n[Int(tree)].left, n[Int(tree)].right)
            spare.append(tree)
            return joined
        }
        if key < nodeStart {
            n[Int(tree)].left = erase(n[Int(tree)].left, key: key)
        } else {
            n[Int(tree)].right = erase(n[Int(tree)].right, key: key)
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
        let size = ByteCount.format as (UInt64) -> String
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

/// The treap's nodes in one block of memory. `IOVAAllocator` shares it between copies and
/// copies it before changing a shared one, as an array would, but checks that once per
/// operation; indices are the allocator's own (every link it follows it made).
final class NodeStorage: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<IOVAAllocator.Node>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func append(_ node: IOVAAllocator.Node) -> Int32 {
        if count == capacity {
            let grown = UnsafeMutablePointer<IOVAAllocator.Node>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: node)
        count += 1
        return Int32(count - 1)
    }

    func copy() -> NodeStorage {
        let copy = NodeStorage(capacity: capacity)
        copy.base.initialize(from: base, count: count)
        copy.count = count
        return copy
    }
}
