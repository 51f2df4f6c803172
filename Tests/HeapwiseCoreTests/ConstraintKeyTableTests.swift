import Testing
@testable import HeapwiseCore

/// The key table is the one description of every constraint key: these tests fail when a
/// property of `Constraints` has no entry, when an entry's parser and writer disagree, or
/// when an entry's merge does not obey its law.
@Suite struct ConstraintKeyTableTests {
    static let cases = 300

    /// Every stored property of `Constraints` is set by exactly one key, and every key sets
    /// exactly one property: a property added without an entry (so without a merge law, a
    /// parser or a writer) fails here.
    @Test func everyPropertyHasExactlyOneKey() {
        let properties = Mirror(reflecting: Constraints()).children.compactMap(\.label)
        #expect(properties.count == ConstraintKey.all.count, "Constraints has \(properties.count) properties, the table \(ConstraintKey.all.count) keys")
        var covered: [String: String] = [:]
        for key in ConstraintKey.all {
            var c = Constraints()
            key.setSample(&c, 0)
            // Every property is optional; an unset one prints as "nil".
            let set = Mirror(reflecting: c).children.filter { "\($0.value)" != "nil" }.compactMap(\.label)
            #expect(set.count == 1, "\(key.name) sets \(set)")
            if let property = set.first {
                #expect(covered[property] == nil, "\(property) is set by both \(covered[property] ?? "") and \(key.name)")
                covered[property] = key.name
            }
        }
        #expect(Set(covered.keys) == Set(properties))
    }

    @Test func namesAreDistinctAndExplained() {
        let names = ConstraintKey.all.map(\.name)
        #expect(Set(names).count == names.count)
        for key in ConstraintKey.all {
            #expect(key.name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(key.name)")
            #expect(!key.explanation.isEmpty, "\(key.name) says what it means")
            #expect(key.sampleCount > 0, "\(key.name) has sample values for the property tests")
        }
    }

    /// What the writer writes, the parser reads back as the same rules, for every key.
    @Test func writerAndParserAgreeOnEveryKey() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<Self.cases {
            let c = Constraints.random(using: &rng)
            guard let text = ProfileWriter.constraints(c) else {
                #expect(c == Constraints())
                continue
            }
            let parsed = try ConstraintsParser.parse(YAMLValue.parse(text, file: nil))
            #expect(parsed == c, "\(text)")
        }
    }

    /// Each key's merge, alone, is commutative, associative and idempotent, and an unset
    /// value is its identity (the laws `MergeLawTests` check for whole rule sets).
    @Test(arguments: ConstraintKey.all.map(\.name))
    func eachKeyObeysTheMergeLaws(_ name: String) throws {
        let key = try #require(ConstraintKey.named(name))
        func value(_ i: Int) -> Constraints {
            var c = Constraints()
            key.setSample(&c, i)
            return c
        }
        let n = key.sampleCount
        for i in 0..<n {
            let a = value(i)
            #expect(try a.merged(with: a) == a)
            #expect(try a.merged(with: Constraints()) == a)
            for j in 0..<n {
                let b = value(j)
                #expect(try a.merged(with: b) == b.merged(with: a))
                for k in stride(from: 0, to: n, by: max(1, n / 8)) {
                    let c = value(k)
                    #expect(try a.merged(with: b).merged(with: c) == a.merged(with: b.merged(with: c)))
                }
            }
        }
    }

    /// `merged(with:)` and `overriding(with:)` walk plain-data keys on raw bytes for speed;
    /// they must give exactly what each key's own (closure) merge and override give.
    @Test func theFastPathsAgreeWithEachKeysOwnOperations() throws {
        var rng = SplitMix64(seed: 12)
        for _ in 0..<Self.cases {
            let a = Constraints.random(using: &rng), b = Constraints.random(using: &rng)
            var merged = Constraints()
            for key in ConstraintKey.all { try key.merge(&merged, a, b) }
            #expect(try a.merged(with: b) == merged)
            var overridden = a
            for key in ConstraintKey.all { key.override(&overridden, b) }
            #expect(a.overriding(with: b) == overridden)
        }
    }

    /// An overflowing alignment names its key and both values, from the fast path too.
    @Test func overflowNamesTheKey() {
        let a = Constraints(offsetAlignment: 4, sizeAlignment: 1 << 62)
        let b = Constraints(offsetAlignment: 8, sizeAlignment: (1 << 62) - 1)
        #expect(throws: ConstraintError.alignmentOverflow(field: "size_alignment", 1 << 62, (1 << 62) - 1)) {
            try a.merged(with: b)
        }
    }

    /// The resolver copies rules for every candidate: `Constraints` must stay plain data (no
    /// reference counting on copy), so list-valued keys hold their lists out of line.
    @Test func constraintsArePlainData() {
        #expect(_isPOD(Constraints.self))
        #expect(ConstraintKey.layouts.allSatisfy { $0.storage != .other }, "every key so far is on the plain-data path")
    }

    /// The README documents every key in its profile example.
    @Test func theReadmeDocumentsEveryKey() throws {
        let readme = try Repository.read("README.md")
        for key in ConstraintKey.all {
            #expect(readme.contains("  \(key.name):"), "README's profile example lists \(key.name)")
        }
    }
}
