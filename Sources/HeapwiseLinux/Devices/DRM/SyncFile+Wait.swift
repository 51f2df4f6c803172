import Glibc
import SystemPackage

extension SyncFile {
    /// Waits until the fence signals (a sync_file becomes readable then; `sync_file_poll` in
    /// `drivers/dma-buf/sync_file.c`). Returns false if `timeoutMilliseconds` passed first.
    /// The corresponding call is `poll` with `POLLIN`, retried on EINTR.
    public func wait(timeoutMilliseconds: Int32 = 5_000) throws(LinuxError) -> Bool {
        switch Syscalls.retryingInterrupts(true, { Syscalls.poll(fd, events: Int16(POLLIN), timeoutMilliseconds: timeoutMilliseconds) }) {
        case let .success(events): return events & Int16(POLLIN) != 0
        case let .failure(errno): throw .from(errno, node: "sync_file", operation: .poll, message: "waiting for a fence failed")
        }
    }
}
