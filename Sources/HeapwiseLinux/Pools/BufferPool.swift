import HeapwiseCore

/// Reuses dma-bufs, so a pipeline that allocates the same few sizes again and again pays the
/// kernel's price (page allocation and zeroing, the scatter list, faulting every page in on
/// first touch) once per buffer instead of once per use, as GStreamer's buffer pools and
/// Android's heap page pools do.
///
/// **The owner rule.** A buffer released by one owner is zeroed before any other owner
/// receives it, through the kept mapping and bracketed by `DMA_BUF_IOCTL_SYNC`; it goes back
/// unzeroed only to the same owner, and only when that owner released it with
/// `keepContents`. Zeroing runs on acquire, in the acquiring thread: only when ownership
/// changes (never for a same-owner reuse, never for a buffer that is trimmed before it is
/// reused), and by the owner who is about to fill the buffer anyway, not the one releasing it
/// (a display handing back a scanned-out frame).
///
/// **Limits.** Idle buffers are capped in count and bytes per free list (one allocator and
/// size) and overall; releasing past a cap frees the longest-idle buffers first, and buffers
/// idle for longer than `maxIdleAge` are freed whenever the pool is next used. `trim()` frees
/// idle buffers on demand. A buffer in use is never freed by the pool.
///
/// **Threads.** One lock guards the free lists and counters; no syscall runs under it: the
/// kernel allocation, `mmap`, zeroing and the freeing of evicted buffers (`munmap`, `close`)
/// all happen outside, so a slow CMA allocation in one thread never stalls another's reuse.
public final class BufferPool: Sendable {
    public struct Limits: Sendable, Hashable {
        public var idleBuffers: Int
        public var idleBytes: Int
        public init(idleBuffers: Int, idleBytes: Int) {
            self.idleBuffers = idleBuffers
            self.idleBytes = idleBytes
        }
    }

    public let perList: Limits
    public let overall: Limits
    /// Idle buffers older than this are freed when the pool is next used; nil keeps them.
    public let maxIdleAge: Duration?

    private struct Counters {
        var hits = 0, misses = 0, bytesZeroed = 0, trimmedBuffers = 0, trimmedBytes = 0
        var retriesAfterTrim = 0
        /// Time spent allocating, mapping and faulting in fresh buffers, and how many.
        var freshNanoseconds: Int64 = 0, freshCount = 0
    }

    /// One allocator and size: its idle buffers, oldest first, and its counters, together, so
    /// an acquire or a release finds both with one hash lookup (the reuse path's cost is
    /// mostly cache misses, after a pipeline's frames have been through the caches).
    private struct FreeList {
        var idle: [PoolEntry] = []
        var counters = Counters()
    }

    private struct State {
        var lists: [PoolKey: FreeList] = [:]
        var idleBuffers = 0, idleBytes = 0
        var inUseBuffers = 0, inUseBytes = 0
        /// When idle buffers were last checked for age.
        var agesChecked = ContinuousClock.now

        /// Takes out every idle entry idle for at least `age` (of one heap, or all).
        mutating func takeIdle(olderThan age: Duration?, heap: String? = nil, now: ContinuousClock.Instant) -> [PoolEntry] {
            var taken: [PoolEntry] = []
            for (key, list) in lists where heap == nil || key.heap == heap {
                for index in list.idle.indices.reversed() where age.map({ now - list.idle[index].idleSince >= $0 }) ?? true {
                    taken.append(remove(key, at: index))
                }
            }
            countTrimmed(taken)
            return taken
        }

        mutating func remove(_ key: PoolKey, at index: Int) -> PoolEntry {
            let entry = lists[key, default: FreeList()].idle.remove(at: index)
            idleBuffers -= 1
            idleBytes -= key.size
            return entry
        }

        mutating func count(_ key: PoolKey, _ change: (inout Counters) -> Void) {
            change(&lists[key, default: FreeList()].counters)
        }

        /// Records buffers freed by a limit, by age or by `trim()`.
        mutating func countTrimmed(_ victims: [PoolEntry]) {
            for victim in victims {
                count(victim.key) { $0.trimmedBuffers += 1; $0.trimmedBytes += victim.key.size }
            }
        }

        /// The list whose first (longest-idle) entry has been idle longest.
        func listWithOldest() -> PoolKey? {
            var best: (key: PoolKey, since: ContinuousClock.Instant)?
            for (key, list) in lists {
                if let first = list.idle.first, best.map({ first.idleSince < $0.since }) ?? true {
                    best = (key, first.idleSince)
                }
            }
            return best?.key
        }
    }

    private let state = Locked(State())

    public init(
        perList: Limits = Limits(idleBuffers: 16, idleBytes: 256 << 20),
        overall: Limits = Limits(idleBuffers: 64, idleBytes: 512 << 20),
        maxIdleAge: Duration? = .seconds(60)
    ) {
        self.perList = perList
        self.overall = overall
        self.maxIdleAge = maxIdleAge
    }

    /// A buffer of at least `byteCount` bytes from `allocator`, for `owner`: an idle one when
    /// the pool has one of that allocator and size (zeroed unless `owner` kept it), else a fresh
    /// allocation. On ENOMEM the pool frees its idle buffers of the same heap and tries once
    /// more, so buffers it holds back never starve a new allocation.
    public func acquire(from allocator: BufferAllocator, byteCount: Int, owner: PoolOwner) throws(LinuxError) -> PooledBuffer {
        let page = Syscalls.pageSize
        guard byteCount > 0, byteCount <= Int.max - page else {
            throw type(of: allocator).invalidLength(byteCount, node: allocator.node)
        }
        let key = PoolKey(node: allocator.node, heap: allocator.heap.name, size: Self.pageRounded(byteCount))
        let (taken, expired) = takeIdle(key, for: owner)
        withExtendedLifetime(expired) {}  // buffers past their age are freed here, outside the lock
        if let (entry, needsZero) = taken {
            if needsZero {
                do {
                    try entry.zero()
                } catch {
                    // Not lent, and not kept: a buffer that could not be zeroed is freed.
                    state.withLock { state in
                        state.inUseBuffers -= 1
                        state.inUseBytes -= key.size
                        state.count(key) { $0.hits -= 1; $0.trimmedBuffers += 1; $0.trimmedBytes += key.size }
                    }
                    throw error  // the entry is dropped, and freed, here, outside the lock
                }
                state.withLock { $0.count(key) { $0.bytesZeroed += key.size } }
            }
            entry.lastOwner = owner
            entry.keptForLastOwner = false
            return PooledBuffer(entry: entry, pool: self, owner: owner, reused: true)
        }
        let entry = try allocateFresh(key, from: allocator)
        entry.lastOwner = owner
        return PooledBuffer(entry: entry, pool: self, owner: owner, reused: false)
    }

    /// Pops an idle buffer of `key` for `owner`: first one `owner` kept for itself (no zeroing),
    /// then the most recently released one nobody kept, and only then one another owner kept
    /// (the longest idle), whose contents are lost to zeroing. Counts the hit (a miss is
    /// counted when the fresh allocation succeeds). Also takes out, at most about once a second, the buffers idle past
    /// `maxIdleAge`, for the caller to free: the pool's trimming on age, run as it is used.
    private func takeIdle(_ key: PoolKey, for owner: PoolOwner) -> (taken: (PoolEntry, needsZero: Bool)?, expired: [PoolEntry]) {
        state.withLock { state in
            var expired: [PoolEntry] = []
            if let maxIdleAge {
                let now = ContinuousClock.now
                if now - state.agesChecked >= min(maxIdleAge, .seconds(1)) {
                    state.agesChecked = now
                    expired = state.takeIdle(olderThan: maxIdleAge, now: now)
                }
            }
            // One lookup of the list, modified in place.
            let entry: PoolEntry? = { (list: inout FreeList) in
                guard !list.idle.isEmpty else { return nil }
                let index = list.idle.lastIndex { $0.keptForLastOwner && $0.lastOwner == owner }
                    ?? list.idle.lastIndex { !$0.keptForLastOwner }
                    ?? 0
                list.counters.hits += 1
                return list.idle.remove(at: index)
            }(&state.lists[key, default: FreeList()])
            guard let entry else { return (nil, expired) }
            state.idleBuffers -= 1
            state.idleBytes -= key.size
            state.inUseBuffers += 1
            state.inUseBytes += key.size
            let clean = entry.lastOwner == nil || (entry.keptForLastOwner && entry.lastOwner == owner)
            return ((entry, !clean), expired)
        }
    }

    /// Allocates, maps and faults in a new buffer, outside the lock; on ENOMEM, trims this
    /// heap's idle buffers and retries once.
    private func allocateFresh(_ key: PoolKey, from allocator: BufferAllocator) throws(LinuxError) -> PoolEntry {
        let clock = ContinuousClock()
        let start = clock.now
        let entry: PoolEntry
        do {
            entry = try PoolEntry(allocator.allocateUnique(byteCount: key.size), key: key)
        } catch where error.code == .outOfMemory {
            let trimmed = trim(heap: key.heap)
            guard trimmed.buffers > 0 else { throw error }
            state.withLock { $0.count(key) { $0.retriesAfterTrim += 1 } }
            entry = try PoolEntry(allocator.allocateUnique(byteCount: key.size), key: key)
        }
        let elapsed = clock.now - start
        state.withLock { state in
            state.inUseBuffers += 1
            state.inUseBytes += key.size
            state.count(key) {
                $0.misses += 1
                $0.freshNanoseconds += Int64(elapsed.components.seconds) * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
                $0.freshCount += 1
            }
        }
        return entry
    }

    /// Takes a buffer back (from `PooledBuffer`), then frees whatever the limits no longer
    /// allow, outside the lock.
    func giveBack(_ entry: PoolEntry, from owner: PoolOwner, keepContents: Bool) {
        entry.lastOwner = owner
        entry.keptForLastOwner = keepContents
        entry.idleSince = .now
        let evicted: [PoolEntry] = state.withLock { state in
            let key = entry.key
            state.inUseBuffers -= 1
            state.inUseBytes -= key.size
            // One lookup of the list: append, then evict its longest idle past the list's caps.
            var evicted: [PoolEntry] = { (list: inout FreeList) in
                list.idle.append(entry)
                var evicted: [PoolEntry] = []
                while list.idle.count > perList.idleBuffers || list.idle.count * key.size > perList.idleBytes {
                    evicted.append(list.idle.removeFirst())
                    list.counters.trimmedBuffers += 1
                    list.counters.trimmedBytes += key.size
                }
                return evicted
            }(&state.lists[key, default: FreeList()])
            state.idleBuffers += 1 - evicted.count
            state.idleBytes += key.size * (1 - evicted.count)
            var overflow: [PoolEntry] = []
            while state.idleBuffers > overall.idleBuffers || state.idleBytes > overall.idleBytes, let oldest = state.listWithOldest() {
                overflow.append(state.remove(oldest, at: 0))
            }
            state.countTrimmed(overflow)
            evicted += overflow
            return evicted
        }
        withExtendedLifetime(evicted) {}  // munmap and close run here, as `evicted` goes
    }

    /// Frees idle buffers now: all of them, or those of `heap`, or those idle for at least
    /// `olderThan`. Buffers in use are never touched. Returns what was freed.
    @discardableResult
    public func trim(heap: String? = nil, olderThan: Duration? = nil) -> (buffers: Int, bytes: Int) {
        let now = ContinuousClock.now
        let evicted = state.withLock { $0.takeIdle(olderThan: olderThan, heap: heap, now: now) }
        return (evicted.count, evicted.reduce(0) { $0 + $1.key.size })
    }

    /// The bytes a buffer of `byteCount` takes: whole pages, as every allocator hands them out
    /// (for a caller that budgets before it acquires, such as the broker's quota).
    public static func pageRounded(_ byteCount: Int) -> Int {
        let page = Syscalls.pageSize
        return (byteCount + page - 1) / page * page
    }

    /// How many idle buffers the pool holds now: the counter itself, without building the
    /// per-list rows `statistics()` makes.
    public var idleBuffers: Int { state.withLock { $0.idleBuffers } }

    /// The counters and what is idle, per allocator and size, as plain data.
    public func statistics() -> PoolStatistics {
        state.withLock { state in
            let keys = state.lists.keys.sorted { ($0.heap, $0.size) < ($1.heap, $1.size) }
            return PoolStatistics(
                rows: keys.map { key in
                    let list = state.lists[key] ?? FreeList()
                    let c = list.counters
                    return PoolStatistics.Row(
                        heap: key.heap, size: key.size, hits: c.hits, misses: c.misses, bytesZeroed: c.bytesZeroed,
                        idleBuffers: list.idle.count, trimmedBuffers: c.trimmedBuffers, trimmedBytes: c.trimmedBytes,
                        retriesAfterTrim: c.retriesAfterTrim,
                        freshNanosecondsMean: c.freshCount > 0 ? Int(c.freshNanoseconds / Int64(c.freshCount)) : nil
                    )
                },
                idleBuffers: state.idleBuffers, idleBytes: state.idleBytes,
                inUseBuffers: state.inUseBuffers, inUseBytes: state.inUseBytes
            )
        }
    }
}
