import Synchronization
import SystemPackage

/// Failure injection for the syscall funnel (after swift-system's `MockingDriver`): a test
/// binds a script for the duration of a closure, and the funnel asks it before each call.
/// A rule names one `KernelCall`, optionally a predicate on the call's arguments (the fd,
/// then the call's own: `DMA_BUF_IOCTL_SYNC`'s flags, `mmap`'s length), and what to do:
/// fail with an errno, or succeed without calling the kernel (for calls whose success
/// carries no data). Every call made while the script is bound is recorded, so a test can
/// check what happened after a failure (the mapping was released, the fd closed).
///
/// The script is task-local, so tests running in parallel never see each other's rules.
/// Compiled into debug builds only: release binaries pay nothing and cannot be made to fail
/// this way.
enum Mocking {
    enum Outcome: Sendable, Equatable {
        case fail(Errno)
        case succeed
    }

    #if DEBUG
    /// One rule: `outcome` for the next `times` calls of `call` whose arguments `matching` accepts.
    struct Rule: Sendable {
        var call: KernelCall
        var outcome: Outcome
        var times: Int
        var matching: (@Sendable ([Int]) -> Bool)?

        static func fail(
            _ call: KernelCall, with errno: Errno, times: Int = 1, when matching: (@Sendable ([Int]) -> Bool)? = nil
        ) -> Rule {
            Rule(call: call, outcome: .fail(errno), times: times, matching: matching)
        }

        static func succeed(_ call: KernelCall, times: Int = 1, when matching: (@Sendable ([Int]) -> Bool)? = nil) -> Rule {
            Rule(call: call, outcome: .succeed, times: times, matching: matching)
        }
    }

    /// A call the funnel made (or was told not to make) while a script was bound.
    struct Record: Sendable, Equatable {
        var call: KernelCall
        var arguments: [Int]
        /// What a rule answered instead of the kernel, if one did.
        var mocked: Outcome?
    }

    final class Script: Sendable {
        private struct State {
            var rules: [Rule]
            var records: [Record] = []
        }
        private let state: Mutex<State>

        init(_ rules: [Rule]) { state = Mutex(State(rules: rules)) }

        func answer(_ call: KernelCall, _ arguments: [Int]) -> Outcome? {
            state.withLock { state in
                var outcome: Outcome?
                if let index = state.rules.firstIndex(where: {
                    $0.call == call && $0.times > 0 && ($0.matching?(arguments) ?? true)
                }) {
                    state.rules[index].times -= 1
                    outcome = state.rules[index].outcome
                }
                state.records.append(Record(call: call, arguments: arguments, mocked: outcome))
                return outcome
            }
        }

        /// How many answers the rules still had when the script ended.
        var unused: Int { state.withLock { $0.rules.reduce(0) { $0 + $1.times } } }
        /// Every call, in order.
        var records: [Record] { state.withLock { $0.records } }
        /// The calls' names, in order.
        var calls: [KernelCall] { records.map(\.call) }
    }

    @TaskLocal static var script: Script?

    @inline(__always)
    static func outcome(for call: KernelCall, arguments: @autoclosure () -> [Int]) -> Outcome? {
        guard let script else { return nil }
        return script.answer(call, arguments())
    }

    /// Runs `body` under `rules`; returns its result and the script, to inspect afterwards.
    static func with<R>(rules: [Rule], _ body: () throws -> R) rethrows -> (R, Script) {
        let script = Script(rules)
        let result = try $script.withValue(script) { try body() }
        return (result, script)
    }

    /// Runs `body` with a queue of errnos per call; returns how many were not used.
    static func with<R>(_ errors: [KernelCall: [Errno]], _ body: () throws -> R) rethrows -> (R, unused: Int) {
        let rules = errors.flatMap { call, errnos in errnos.map { Rule.fail(call, with: $0) } }
        let (result, script) = try with(rules: rules, body)
        return (result, script.unused)
    }
    #else
    @inline(__always)
    static func outcome(for call: KernelCall, arguments: @autoclosure () -> [Int]) -> Outcome? { nil }
    #endif
}
