import HeapwiseCore
import SystemPackage

/// `heapwise stats --watch`: snapshots on a fixed rhythm.
extension DMABufAccounting {
    /// Calls `body` with a snapshot now and then every `interval` (on a fixed rhythm from the
    /// first snapshot's start, so it does not drift by the reading time; a tick that passed
    /// while a slow snapshot was read is skipped, not made up with snapshots back to back),
    /// `count` times or until `body` returns false. The elapsed time is the snapshot's start
    /// since the first.
    public func watch(every interval: Duration, count: Int?, _ body: (DMABufAccount, Duration) -> Bool) {
        precondition(interval > .zero, "watch needs an interval")
        let clock = ContinuousClock()
        let start = clock.now
        var taken = 0
        var tick = 0
        while count.map({ taken < $0 }) ?? true {
            var due = start + interval * tick
            if taken > 0 {
                let now = clock.now
                while due < now { tick += 1; due = start + interval * tick }
            }
            let wait = due - clock.now
            if wait > .zero { Syscalls.sleep(wait) }
            let began = clock.now
            taken += 1
            tick += 1
            guard body(DMABufAccount(snapshot()), began - start) else { return }
        }
    }
}
