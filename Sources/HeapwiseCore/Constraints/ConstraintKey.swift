/// One constraint key, everything about it in one place: its YAML name, where it lives in
/// `Constraints`, how a profile spells its value, how it is checked, how two devices' values
/// merge, how a more specific rule overrides it, how it is written back, and what it means.
///
/// The table of keys (`ConstraintKey.all`, in `ConstraintKeys.swift`) is what the parser,
/// the writer, `overriding(with:)`, `merged(with:)` and `validate()` iterate (the kernel's
/// `drm_format_info` table plays the same part for formats), so a new key is one entry there
/// plus its stored property, and the merge-law property tests cover it automatically.
public struct ConstraintKey: Sendable {
    /// The profile key: `pitch_alignment`.
    public let name: String
    /// What the rule means, for people: one line.
    public let explanation: String
    /// How two devices' values combine.
    public let law: MergeLaw

    /// Where the value lives, for the hot path (`Constraints.merged`, `overriding`).
    let layout: ConstraintKeyLayout
    /// Reads the key's YAML value into the constraints.
    let parse: @Sendable (YAMLValue, inout Constraints) throws(InputError) -> Void
    /// `key: value` when set, for `ProfileWriter`.
    let write: @Sendable (Constraints) -> String?
    /// The value in `--json` output; `null` when unset.
    let json: @Sendable (Constraints) -> JSON
    /// Checks a set value; nil when valid or unset.
    let check: @Sendable (Constraints) -> ConstraintError?
    /// The merge, through closures: what the hot path calls for `.other` storage, and what
    /// the tests compare the hot path with.
    let merge: @Sendable (inout Constraints, Constraints, Constraints) throws(ConstraintError) -> Void
    let override: @Sendable (inout Constraints, Constraints) -> Void
    /// How many sample values the key has, and a setter for sample `i`: values real
    /// profiles use, which the property tests draw from.
    let sampleCount: Int
    let setSample: @Sendable (inout Constraints, Int) -> Void
    /// Whether the key is set in `c`.
    let isSet: @Sendable (Constraints) -> Bool

    /// How the values of two devices combine into the rule a shared buffer must follow. Each
    /// law is commutative, associative and idempotent, with "unset" as identity.
    public enum MergeLaw: String, Sendable, CaseIterable {
        /// Least common multiple (alignments; overflow is an error).
        case leastCommonMultiple = "least common multiple"
        /// The larger value (minimums, padding).
        case maximum = "larger value"
        /// The smaller value (maximums, DMA mask width).
        case minimum = "smaller value"
        /// True if either says true (a need any one device has).
        case either = "true if either"
        /// True only if both say true (a capability every device must have).
        case both = "true only if both"
        /// The stricter of an ordered requirement.
        case stricter = "stricter"
        /// The finer of two plane partitions.
        case finerPartition = "finer partition"
        /// The sizes both accept (frame-size sets).
        case intersection = "sizes both accept"
    }

    init<Value: ConstraintValue>(
        _ name: String, _ field: WritableKeyPath<Constraints, Value?> & Sendable, law: MergeLaw,
        read: @escaping @Sendable (YAMLValue) throws(InputError) -> Value,
        write: @escaping @Sendable (Value) -> String,
        check: @escaping @Sendable (Value) -> ConstraintError? = { _ in nil },
        samples: [Value],
        _ explanation: String
    ) {
        self.name = name
        self.explanation = explanation
        self.law = law
        let access = FieldAccess(field)
        layout = ConstraintKeyLayout(offset: access.offset ?? 0, storage: access.offset == nil ? .other : Value.storage, law: law)
        override = { target, specific in
            if let value = access.get(specific) { access.set(&target, value) }
        }
        merge = { (result: inout Constraints, a: Constraints, b: Constraints) throws(ConstraintError) in
            switch (access.get(a), access.get(b)) {
            case let (x?, y?):
                guard let merged = Value.merge(x, y, by: law) else { throw ConstraintKey.overflow(name, x, y) }
                access.set(&result, merged)
            case let (x, y): access.set(&result, x ?? y)
            }
        }
        parse = { (value: YAMLValue, target: inout Constraints) throws(InputError) in
            access.set(&target, try read(value))
        }
        self.write = { c in access.get(c).map { "\(name): \(write($0))" } }
        json = { c in access.get(c)?.json ?? .null }
        self.check = { c in access.get(c).flatMap(check) }
        sampleCount = samples.count
        setSample = { c, index in access.set(&c, samples[index % samples.count]) }
        isSet = { c in access.get(c) != nil }
    }

    /// The error for two values whose merge does not fit: only alignments can overflow.
    static func overflow<Value>(_ name: String, _ a: Value, _ b: Value) -> ConstraintError {
        guard let a = a as? Int, let b = b as? Int else { preconditionFailure("\(name): only numbers overflow") }
        return .alignmentOverflow(field: name, a, b)
    }
}

/// A key as the resolver's hot path sees it: plain data, so walking the table costs no
/// reference counting (`ConstraintKey` itself holds closures, and copying one retains them).
struct ConstraintKeyLayout: Sendable {
    /// The value's byte offset in `Constraints` (unused for `.other` storage).
    let offset: Int
    let storage: ConstraintStorage
    let law: ConstraintKey.MergeLaw
}

/// Reading and writing one stored property of `Constraints`: at its byte offset when the
/// value is plain data (every key so far), else through its key path (a future list-valued
/// key), which costs tens of nanoseconds where a load costs one.
struct FieldAccess<Value>: Sendable {
    let field: WritableKeyPath<Constraints, Value?> & Sendable
    /// The property's byte offset, when its value can be loaded and stored as bytes.
    let offset: Int?

    init(_ field: WritableKeyPath<Constraints, Value?> & Sendable) {
        self.field = field
        offset = _isPOD(Value?.self) ? MemoryLayout<Constraints>.offset(of: field) : nil
    }

    @inline(__always)
    func get(_ c: Constraints) -> Value? {
        guard let offset else { return c[keyPath: field] }
        return c.load(Value.self, at: offset)
    }

    @inline(__always)
    func set(_ c: inout Constraints, _ value: Value?) {
        guard let offset else { return c[keyPath: field] = value }
        c.store(value, at: offset)
    }
}

extension Constraints {
    /// The optional value of plain-data type `T` at byte `offset` (a stored property's).
    @inline(__always)
    func load<T>(_ type: T.Type, at offset: Int) -> T? {
        withUnsafeBytes(of: self) { $0.load(fromByteOffset: offset, as: T?.self) }
    }

    @inline(__always)
    mutating func store<T>(_ value: T?, at offset: Int) {
        withUnsafeMutableBytes(of: &self) { $0.storeBytes(of: value, toByteOffset: offset, as: T?.self) }
    }
}
