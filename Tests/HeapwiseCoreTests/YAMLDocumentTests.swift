@testable import HeapwiseCore
import Testing

/// The YAML reader composed from libyaml's events: what a profile author can write (flow and
/// block style, quotes, anchors and aliases), where errors point (1-based, as editors count),
/// and what hostile input gets instead of a crash.
@Suite struct YAMLDocumentTests {
    func problem(_ text: String) -> YAMLProblem? {
        do { _ = try YAMLDocument.compose(text); return nil } catch { return error }
    }

    @Test func scalarsKeepTheirStyleAndPlace() throws {
        let root = try YAMLDocument.compose("a: 1\nb: \"null\"\nc:\n  - x\n  - [y, z]\n")
        guard case let .mapping(pairs, mark) = root else { Issue.record("not a mapping"); return }
        #expect(mark == .init(line: 1, column: 1))
        #expect(pairs.map { $0.key.string } == ["a", "b", "c"])
        guard case .scalar("null", plain: false, _) = pairs[1].value else { Issue.record("a quoted null is text"); return }
        guard case let .sequence(items, listMark) = pairs[2].value else { Issue.record("not a list"); return }
        #expect(listMark.line == 4 && items.count == 2)
        #expect(items[1].mark == .init(line: 5, column: 5))
    }

    @Test func anAliasIsTheAnchoredNodeAgain() throws {
        let root = try YAMLDocument.compose("formats: &f [NV12, YUYV]\nagain: *f\n")
        guard case let .mapping(pairs, _) = root, case let .sequence(items, _) = pairs[1].value else { Issue.record("\(root)"); return }
        #expect(items.compactMap(\.string) == ["NV12", "YUYV"])
        guard case .syntax("found undefined alias", let mark)? = problem("a: *missing\n") else { Issue.record("an undefined alias is refused"); return }
        #expect(mark?.line == 1)
    }

    @Test func brokenTextIsRefusedWithWhere() {
        guard case let .syntax(text, mark)? = problem("a: [1\nb: 2\n") else { Issue.record("an unclosed list is refused"); return }
        #expect(!text.isEmpty && mark != nil)
        guard case .empty? = problem("") else { Issue.record("an empty text has no document"); return }
        guard case .empty? = problem("# only a comment\n") else { Issue.record("a comment has no document"); return }
        guard case let .syntax(second, _)? = problem("a: 1\n---\nb: 2\n") else { Issue.record("two documents are refused"); return }
        #expect(second.contains("another document"))
        guard case let .duplicateKeys(keys, _)? = problem("b: 1\na: 2\nb: 3\na: 4\n") else { Issue.record("duplicate keys are refused"); return }
        #expect(keys == ["a", "b"])
    }

    @Test func nestingDeeperThanAnyProfileIsRefusedNotRecursedInto() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        guard case let .syntax(text, _)? = problem(deep) else { Issue.record("deep nesting is refused"); return }
        #expect(text == "nested more than \(YAMLDocument.maxDepth) levels deep")
        #expect(problem(String(repeating: "[", count: 63) + String(repeating: "]", count: 63)) == nil, "63 levels read")
        // An alias is as deep as what it names: 40 levels anchored, then used 40 levels down.
        let forty = String(repeating: "[", count: 40) + "x" + String(repeating: "]", count: 40)
        let aliased = "a: &deep " + forty + "\nb: " + String(repeating: "[", count: 40) + "*deep" + String(repeating: "]", count: 40) + "\n"
        guard case let .syntax(through, _)? = problem(aliased) else { Issue.record("an alias past the depth limit is refused"); return }
        #expect(through.contains("through alias *deep"))
    }
}
