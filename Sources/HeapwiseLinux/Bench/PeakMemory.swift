import CHeapwiseLinux
import SystemPackage

/// How much a piece of work raises this process's peak resident memory: `/proc/self/clear_refs`
/// with `5` resets the peak (`VmHWM`) to the current resident size (`clear_refs_write` in
/// `fs/proc/task_mmu.c`, since 4.0), so the peak after the work, less the resident size
/// before, is what the work needed at most.
enum PeakMemory {
    /// The growth in bytes, or nil when the peak cannot be reset or read here.
    /// Memory the allocator kept from earlier work is returned first (`malloc_trim`), so the
    /// resident size before is this process's real floor.
    static func growth<T>(during body: () throws -> T) rethrows -> (T, Int?) {
        _ = hw_malloc_trim()
        let reset = (try? SyntheticProc.file("/proc/self/clear_refs", "5", create: false)) != nil
        let before = status("VmRSS")
        let result = try body()
        guard reset, let before, let peak = status("VmHWM") else { return (result, nil) }
        return (result, max(0, peak - before))
    }

    private static func status(_ field: String) -> Int? {
        ProcFiles.read("/proc/self/status").flatMap { ProcFiles.meminfo(field, from: $0) }
    }
}
