import SystemPackage

extension SyncFile {
    /// Waits until the fence signals (a sync_file becomes readable then; `sync_file_poll` in
    /// `drivers/dma-buf/sync_file.c`). Returns false if `timeoutMilliseconds` passed first.
    /// The corresponding call is `poll` with `POLLIN`, retried on EINTR.
    public func wait(timeoutMilliseconds: Int32 = 5_000) throws(LinuxError) -> Bool {
        precondition(fd >= 0, "waiting on a closed sync_file")
        switch Syscalls.retryingInterrupts(true, { Syscalls.pollReadable(fd, timeoutMilliseconds: timeoutMilliseconds) }) {
        case let .success(signalled): return signalled
        case let .failure(errno): throw .from(errno, node: "sync_file", operation: "poll", message: "waiting for a fence failed")
        }
    }
}
