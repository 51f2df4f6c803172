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
    /// How two devices' values combine, in words (the law `merge` implements).
    public let law: MergeLaw

    /// Takes `specific`'s value when it has one (most specific rule wins).
    let override: @Sendable (inout Constraints, Constraints) -> Void
    /// Sets the merge of `a`'s and `b`'s values into `result`.
    let merge: @Sendable (inout Constraints, Constraints, Constraints) throws(ConstraintError) -> Void
    /// Reads the key's YAML value into the constraints.
    let parse: @Sendable (YAMLValue, inout Constraints) throws(InputError) -> Void
    /// `key: value` when set, for `ProfileWriter`.
    let write: @Sendable (Constraints) -> String?
    /// Checks a set value; nil when valid or unset.
    let check: @Sendable (Constraints) -> ConstraintError?
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
    }

    init<Value: Hashable & Sendable>(
        _ name: String, _ field: WritableKeyPath<Constraints, Value?> & Sendable, law: MergeLaw,
        combine: @escaping @Sendable (Value, Value) throws(ConstraintError) -> Value,
        read: @escaping @Sendable (YAMLValue) throws(InputError) -> Value,
        write: @escaping @Sendable (Value) -> String,
        check: @escaping @Sendable (Value) -> ConstraintError? = { _ in nil },
        samples: [Value],
        _ explanation: String
    ) {
        self.name = name
        self.explanation = explanation
        self.law = law
        override = { target, specific in
            if let value = specific[keyPath: field] { target[keyPath: field] = value }
        }
        merge = { (result: inout Constraints, a: Constraints, b: Constraints) throws(ConstraintError) in
            switch (a[keyPath: field], b[keyPath: field]) {
            case let (x?, y?): result[keyPath: field] = try combine(x, y)
            case let (x, y): result[keyPath: field] = x ?? y
            }
        }
        parse = { (value: YAMLValue, target: inout Constraints) throws(InputError) in
            target[keyPath: field] = try read(value)
        }
        self.write = { c in c[keyPath: field].map { "\(name): \(write($0))" } }
        self.check = { c in c[keyPath: field].flatMap(check) }
        sampleCount = samples.count
        setSample = { c, index in c[keyPath: field] = samples[index % samples.count] }
        isSet = { c in c[keyPath: field] != nil }
    }
}
