/// One buffer as an address space sees it: an identity, its size and the alignment its
/// importer needs (a display engine's 64 KiB, a codec's 2 MiB block). Memory is allocated
/// once; each device it is shared with maps it separately, at an address of its own.
public struct MappableBuffer: Hashable, Sendable {
    public var id: UInt64
    public var bytes: UInt64
    public var alignment: UInt64

    public init(id: UInt64, bytes: UInt64, alignment: UInt64 = 0) {
        self.id = id
        self.bytes = bytes
        self.alignment = alignment
    }
}

/// The buffers one piece of device work references (a GPU job, a display commit, a codec
/// frame): all of them must be mapped in the device's space while it runs.
public struct Submission: Hashable, Sendable {
    public var id: UInt64
    public var client: Int
    public var buffers: [MappableBuffer]

    public init(id: UInt64, client: Int, buffers: [MappableBuffer]) {
        self.id = id
        self.client = client
        self.buffers = buffers
    }
}

/// Which buffers are mapped in one device's address space, and where: attachments
/// (buffer → range), kept while used, evicted least recently used first when space is
/// short, and bound a whole submission at a time.
///
/// Binding is all or nothing: it works on a copy and keeps it only if every buffer found a
/// range, so a failed bind leaves no mapping and no eviction behind. Mappings an in-flight
/// submission references are pinned and never evicted.
public struct ResidencySpace: Sendable {
    public struct Attachment: Hashable, Sendable {
        public var range: IOVARange
        public var lastUse: UInt64
        /// In-flight submissions that reference it.
        public var pins: Int
    }

    public enum BindResult: Hashable, Sendable {
        /// Every buffer is mapped and pinned: what was newly mapped and what was evicted for it.
        case bound(mapped: [UInt64], evicted: [UInt64])
        /// The space is held by in-flight submissions: try again once one completes.
        case wait(needed: UInt64, free: UInt64)
    }

    public private(set) var allocator: IOVAAllocator
    public private(set) var attachments: [UInt64: Attachment] = [:]
    private var clock: UInt64 = 0
    /// Evictions since the start.
    public private(set) var evictions = 0
    /// The most address space mapped at once.
    public private(set) var peakMapped: UInt64 = 0

    public init(_ space: DeviceAddressSpace) { allocator = IOVAAllocator(space) }

    public var space: DeviceAddressSpace { allocator.space }

    /// Maps one buffer (idempotent: a buffer already mapped keeps its range).
    public mutating func attach(_ buffer: MappableBuffer) throws(IOVAError) -> IOVARange {
        clock += 1
        if let existing = attachments[buffer.id] {
            attachments[buffer.id]?.lastUse = clock
            return existing.range
        }
        let range = try allocator.allocate(bytes: buffer.bytes, alignment: buffer.alignment)
        attachments[buffer.id] = Attachment(range: range, lastUse: clock, pins: 0)
        peakMapped = max(peakMapped, allocator.mappedBytes)
        return range
    }

    /// Unmaps a buffer no in-flight submission uses; true if it was mapped.
    @discardableResult
    public mutating func detach(_ id: UInt64) throws(ResidencyError) -> Bool {
        guard let attachment = attachments[id] else { return false }
        guard attachment.pins == 0 else { throw .pinned(buffer: id, submissions: attachment.pins) }
        attachments[id] = nil
        try? allocator.free(attachment.range)
        return true
    }

    /// The address space `submission` needs in an empty space, in the worst case of alignment
    /// padding; more than the space's size can never be bound.
    public func footprint(of submission: Submission) -> UInt64? {
        var total: UInt64 = 0
        for buffer in Set(submission.buffers) {
            guard let (_, worst) = space.footprint(bytes: buffer.bytes, alignment: buffer.alignment) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(worst)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// The submission's distinct buffers, largest first; refuses one that no state of this
    /// space could hold (a zero-sized buffer, or more than the whole space even when empty).
    public func buffersIfEverResident(_ submission: Submission) throws(ResidencyError) -> [MappableBuffer] {
        let buffers = Array(Set(submission.buffers)).sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.id < $1.id }
        var mapped: UInt64 = 0
        for buffer in buffers {
            guard buffer.bytes > 0 else { throw .zeroSize(buffer: buffer.id) }
            let (sum, overflow) = mapped.addingReportingOverflow(IOVA.alignUp(buffer.bytes, space.granule) ?? .max)
            mapped = overflow ? .max : sum
        }
        let needed = footprint(of: submission) ?? .max
        guard mapped <= space.size, needed <= space.size || fitsPacked(buffers) else {
            throw .neverFits(submission: submission.id, needed: needed, mapped: mapped, space: space.size)
        }
        return buffers
    }

    /// Maps every buffer of `submission` and pins them, or changes nothing.
    public mutating func bind(_ submission: Submission) throws(ResidencyError) -> BindResult {
        let buffers = try buffersIfEverResident(submission)
        var trial = self
        var newlyMapped: [UInt64] = []
        var evicted: [UInt64] = []
        let wanted = Set(buffers.map(\.id))
        for buffer in buffers where trial.attachments[buffer.id] == nil {
            while true {
                do {
                    _ = try trial.attach(buffer)
                    newlyMapped.append(buffer.id)
                    break
                } catch {
                    // Evict the least recently used mapping no in-flight work and not this
                    // submission needs, and try again; none left means wait.
                    guard let victim = trial.attachments.lazy.filter({ $0.value.pins == 0 && !wanted.contains($0.key) })
                        .min(by: { ($0.value.lastUse, $0.key) < ($1.value.lastUse, $1.key) })?.key else {
                        return .wait(needed: IOVA.alignUp(buffer.bytes, space.granule) ?? buffer.bytes, free: allocator.freeBytes)
                    }
                    _ = try trial.detach(victim)
                    trial.evictions += 1
                    evicted.append(victim)
                }
            }
        }
        trial.clock += 1
        for id in wanted {
            trial.attachments[id]?.pins += 1
            trial.attachments[id]?.lastUse = trial.clock
        }
        self = trial
        return .bound(mapped: newlyMapped, evicted: evicted)
    }

    /// Whether the buffers fit an empty copy of this space (the worst-case sum is only a bound).
    private func fitsPacked(_ buffers: [MappableBuffer]) -> Bool {
        var empty = IOVAAllocator(space)
        for buffer in buffers {
            guard (try? empty.allocate(bytes: buffer.bytes, alignment: buffer.alignment)) != nil else { return false }
        }
        return true
    }

    /// The submission's work finished: its buffers stay mapped (for reuse) but unpinned.
    public mutating func complete(_ submission: Submission) {
        for id in Set(submission.buffers.map(\.id)) {
            if let pins = attachments[id]?.pins, pins > 0 { attachments[id]?.pins = pins - 1 }
        }
    }

    /// Whether every buffer of `submission` is already mapped (binding it takes no space).
    public func isResident(_ submission: Submission) -> Bool {
        submission.buffers.allSatisfy { attachments[$0.id] != nil }
    }
}

public enum ResidencyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Bigger than the whole space even when nothing else is mapped.
    case neverFits(submission: UInt64, needed: UInt64, mapped: UInt64, space: UInt64)
    case pinned(buffer: UInt64, submissions: Int)
    case zeroSize(buffer: UInt64)

    public var description: String {
        let size = ByteCount.format as (UInt64) -> String
        switch self {
        case let .neverFits(submission, needed, mapped, space):
            return "submission \(submission) needs \(size(needed)) of address space after alignment and granule rounding (\(size(mapped)) mapped); the device's space is \(size(space)): it can never be resident at once, split it"
        case let .pinned(buffer, submissions):
            return "buffer \(buffer) is in use by \(submissions) in-flight submission\(submissions == 1 ? "" : "s"); wait for them to complete"
        case let .zeroSize(buffer): return "buffer \(buffer) has 0 bytes"
        }
    }
}
