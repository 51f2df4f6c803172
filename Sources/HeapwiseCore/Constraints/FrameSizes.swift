import Synchronization

/// A frame size in pixels: `1280x720` in profiles, `1280×720` in messages.
public struct FrameSize: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)×\(height)" }
    /// The profile spelling, `1280x720`.
    public var yaml: String { "\(width)x\(height)" }
    public var json: JSON { .object([("width", .int(width)), ("height", .int(height))]) }

    /// Ordered by width, then height: how lists are kept and printed (a UVC camera's modes read
    /// smallest first).
    public static func < (a: Self, b: Self) -> Bool { (a.width, a.height) < (b.width, b.height) }

    /// How far `self` is from `other`, as the kernel's `v4l2_find_nearest_size` measures it
    /// (`abs(width - w) + abs(height - h)`), so the size Heapwise suggests is the one a driver
    /// snapping with that helper would pick.
    public func distance(to other: FrameSize) -> Int { abs(width - other.width) + abs(height - other.height) }

    /// Reads `1280x720` (or `1280×720`); nil when malformed.
    public init?(parsing text: String) {
        let parts = text.split(whereSeparator: { $0 == "x" || $0 == "×" || $0 == "X" })
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else { return nil }
        self.init(width: width, height: height)
    }
}

/// The frame sizes a device produces or accepts for a format, as V4L2's
/// `VIDIOC_ENUM_FRAMESIZES` reports them: a list of discrete sizes (every UVC webcam), or a
/// stepwise range (`V4L2_FRMSIZE_TYPE_STEPWISE`, many ISPs and codecs;
/// `V4L2_FRMSIZE_TYPE_CONTINUOUS` is a range with step 1×1).
///
/// A driver given any other size does not fail: `VIDIOC_S_FMT` snaps it to the nearest size
/// it supports, and buffers planned for the requested size are then refused at
/// `VIDIOC_QBUF`. So a size outside the set is a rejection, not a rounding.
///
/// Kept canonical, so that two values describing the same set compare equal whatever order
/// or redundancy a profile used, and merging is a set intersection with the merge laws
/// (commutative, associative, idempotent): lists are sorted and without duplicates; a range's
/// `min` and `max` are points of its lattice; a set of at most one size is a list.
///
/// Plain data, so that `Constraints` stays plain data too (the resolver copies rules for every
/// candidate, and a copy that retains an array costs more than the whole merge): a list is
/// held as a `FrameSizeList`, a number for the list in a process-wide table.
public enum FrameSizes: Hashable, Sendable, CustomStringConvertible {
    case listed(FrameSizeList)
    case range(min: FrameSize, max: FrameSize, step: FrameSize)

    /// Discrete sizes, sorted and without duplicates.
    public static func discrete(_ sizes: [FrameSize]) -> FrameSizes {
        .listed(FrameSizeList(Array(Set(sizes)).sorted()))
    }

    /// Discrete sizes (sorted and without duplicates, as `discrete` makes them).
    public static func list(_ sizes: [FrameSize]) -> FrameSizes { discrete(sizes) }

    /// The sizes of a discrete set; nil for a range.
    public var listedSizes: [FrameSize]? {
        if case let .listed(list) = self { return list.sizes }
        return nil
    }

    /// The sizes from `min` to `max` whose distance from `min` is a multiple of `step` in each
    /// dimension; nil when a step is not positive. `max` is lowered to the last lattice point.
    public static func stepwise(min: FrameSize, max: FrameSize, step: FrameSize = FrameSize(width: 1, height: 1)) -> FrameSizes? {
        guard step.width > 0, step.height > 0 else { return nil }
        let width = Lattice(first: min.width, last: max.width, step: step.width)
        let height = Lattice(first: min.height, last: max.height, step: step.height)
        return canonical(width, height)
    }

    /// Whether `size` is one of the set.
    public func contains(_ size: FrameSize) -> Bool {
        switch self {
        case let .listed(list): list.sizes.contains(size)
        case let .range(min, max, step):
            Lattice(canonical: min.width, max.width, step.width).contains(size.width)
                && Lattice(canonical: min.height, max.height, step.height).contains(size.height)
        }
    }

    public var isEmpty: Bool { listedSizes?.isEmpty == true }

    /// The sizes both sets contain: what a buffer two devices share can be.
    public func intersection(_ other: FrameSizes) -> FrameSizes {
        switch (self, other) {
        case let (.listed(a), .listed(b)):
            return a == b ? self : .list(a.sizes.filter(b.sizes.contains))
        case let (.listed(list), range), let (range, .listed(list)):
            return .list(list.sizes.filter(range.contains))
        case let (.range(aMin, aMax, aStep), .range(bMin, bMax, bStep)):
            let width = Lattice(canonical: aMin.width, aMax.width, aStep.width)
                .intersection(Lattice(canonical: bMin.width, bMax.width, bStep.width))
            let height = Lattice(canonical: aMin.height, aMax.height, aStep.height)
                .intersection(Lattice(canonical: bMin.height, bMax.height, bStep.height))
            return Self.canonical(width, height)
        }
    }

    /// The sizes of the set nearest to `size` (by `FrameSize.distance`), nearest first, at
    /// most `limit`: every listed size for a list, the lattice points around `size` for a range.
    public func nearest(to size: FrameSize, limit: Int = 8) -> [FrameSize] {
        let candidates: [FrameSize]
        switch self {
        case let .listed(list):
            candidates = list.sizes
        case let .range(min, max, step):
            let widths = Lattice(canonical: min.width, max.width, step.width).around(size.width)
            let heights = Lattice(canonical: min.height, max.height, step.height).around(size.height)
            candidates = widths.flatMap { w in heights.map { FrameSize(width: w, height: $0) } }
        }
        let sorted = candidates.sorted {
            ($0.distance(to: size), $0) < ($1.distance(to: size), $1)
        }
        return Array(sorted.prefix(limit))
    }

    /// `320×180, 640×360` or `16×16 to 4096×2160 in steps of 2×2`: what a rejection prints.
    public var description: String {
        switch self {
        case let .listed(list) where list.sizes.isEmpty: return "none"
        case let .listed(list):
            let sizes = list.sizes
            let shown = sizes.prefix(12).map(\.description).joined(separator: ", ")
            return sizes.count > 12 ? shown + ", … (\(sizes.count) in all)" : shown
        case let .range(min, max, step) where step == FrameSize(width: 1, height: 1):
            return "\(min) to \(max)"
        case let .range(min, max, step):
            return "\(min) to \(max) in steps of \(step)"
        }
    }

    /// The profile spelling: `[320x180, 640x360]` or `{ min: 16x16, max: 4096x2160, step: 2x2 }`.
    public var yaml: String {
        switch self {
        case let .listed(list): "[" + list.sizes.map(\.yaml).joined(separator: ", ") + "]"
        case let .range(min, max, step): "{ min: \(min.yaml), max: \(max.yaml), step: \(step.yaml) }"
        }
    }

    /// The canonical set of the sizes whose width is in `width` and height in `height`.
    private static func canonical(_ width: Lattice?, _ height: Lattice?) -> FrameSizes {
        guard let width, let height else { return .list([]) }
        if width.first == width.last && height.first == height.last {
            return .list([FrameSize(width: width.first, height: height.first)])
        }
        return .range(min: FrameSize(width: width.first, height: height.first),
                      max: FrameSize(width: width.last, height: height.last),
                      step: FrameSize(width: width.step, height: height.step))
    }
}

/// A list of frame sizes as plain data: the list's number in a process-wide table of every
/// distinct list seen (profiles are few and small, so the table is too), equal lists getting
/// equal numbers. Reading the sizes takes a lock; only frame-size checks and merges do.
public struct FrameSizeList: Hashable, Sendable {
    private let id: UInt32

    public init(_ sizes: [FrameSize]) {
        id = Self.table.withLock { table in
            if let id = table.ids[sizes] { return id }
            let id = UInt32(table.lists.count)
            table.lists.append(sizes)
            table.ids[sizes] = id
            return id
        }
    }

    public var sizes: [FrameSize] { Self.table.withLock { $0.lists[Int(id)] } }

    private struct Table {
        var lists: [[FrameSize]] = []
        var ids: [[FrameSize]: UInt32] = [:]
    }

    private static let table = Mutex(Table())
}

/// The values `first, first + step, …, last` of one dimension of a stepwise range, kept
/// canonical: `last` is a lattice point, and a lattice of one value has step 1.
struct Lattice: Hashable {
    let first: Int
    let last: Int
    let step: Int

    /// Nil when no value lies between `first` and `last`.
    init?(first: Int, last: Int, step: Int) {
        guard step > 0, first <= last else { return nil }
        let end = first + (last - first) / step * step
        self.first = first
        self.last = end
        self.step = first == end ? 1 : step
    }

    /// One dimension of a canonical range (whose `max` is a lattice point, so nothing to check).
    init(canonical first: Int, _ last: Int, _ step: Int) {
        self.first = first
        self.last = last
        self.step = step
    }

    func contains(_ value: Int) -> Bool {
        value >= first && value <= last && (value - first) % step == 0
    }

    /// The common values: a lattice whose step is the least common multiple of the steps,
    /// starting at the first common value at or above both starts (the Chinese remainder
    /// theorem: `x ≡ first (mod step)` and `x ≡ other.first (mod other.step)` have a common
    /// solution only when the starts agree modulo the steps' gcd).
    func intersection(_ other: Lattice) -> Lattice? {
        let g = Arithmetic.gcd(step, other.step)
        guard (other.first - first) % g == 0, let lcm = Arithmetic.lcm(step, other.step) else { return nil }
        // x = first + step·k with step·k ≡ other.first − first (mod other.step):
        // k ≡ ((other.first − first)/g) · inverse(step/g) (mod other.step/g).
        let modulus = other.step / g
        let k = modulus == 1 ? 0 : Self.modular((other.first - first) / g % modulus * Self.inverse(step / g % modulus, modulo: modulus), modulus)
        var x = first + step * k
        let low = Swift.max(first, other.first)
        if x < low { x += (low - x + lcm - 1) / lcm * lcm }
        return Lattice(first: x, last: Swift.min(last, other.last), step: lcm)
    }

    /// The lattice values at most two steps either side of `value` (clamped into the lattice).
    func around(_ value: Int) -> [Int] {
        let clamped = Swift.min(Swift.max(value, first), last)
        let below = first + (clamped - first) / step * step
        return (-2...2).map { below + $0 * step }.filter(contains)
    }

    private static func modular(_ a: Int, _ m: Int) -> Int { ((a % m) + m) % m }

    /// The inverse of `a` modulo `m` (they are coprime), by the extended Euclidean algorithm.
    private static func inverse(_ a: Int, modulo m: Int) -> Int {
        var (oldR, r) = (modular(a, m), m)
        var (oldS, s) = (1, 0)
        while r != 0 {
            let q = oldR / r
            (oldR, r) = (r, oldR - q * r)
            (oldS, s) = (s, oldS - q * s)
        }
        return modular(oldS, m)
    }
}
