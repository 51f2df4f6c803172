import HeapwiseCore
import SystemPackage

/// What a user names: a pid (process, thread or nothing), the CMA areas beside their heaps,
/// and who this process reads `/proc` as.
extension DMABufAccounting {
    /// The CMA area behind the CMA heap, when there is exactly one (`/proc/meminfo` counts all
    /// areas together, so with several it cannot say which is which).
    public static func cmaAreas(of heaps: [DiscoveredHeap]) -> [DMABufSnapshot.CMAArea] {
        // ION's CMA heap of the same area (`ion:reserved` beside `reserved`) is the same memory.
        let cma = heaps.filter { $0.heap.kind == .cma && !$0.heap.isION }
        guard cma.count == 1, let heap = cma.first, let total = heap.heap.capacity, let free = heap.heap.free else { return [] }
        return [.init(heap: heap.heap.name, total: total, free: free)]
    }

    /// What a pid given by a user names.
    public enum Target: Equatable, Sendable {
        case process
        /// A thread's id: dma-bufs are held by the process (the thread group), so a report
        /// for the thread alone would say "nothing".
        case thread(of: Int32)
        case none
    }

    /// Whether `pid` is a process of `procRoot`, a thread of one (`Tgid:` of its status), or
    /// nothing. A tree without `status` files (a saved one) takes the directory as a process.
    public func target(_ pid: Int32) -> Target {
        let directory = "\(procRoot)/\(pid)"
        guard UserFiles.isDirectory(directory) else { return .none }
        guard let bytes = ProcFiles.read(directory + "/status").map({ Array($0.utf8) }),
              let group = ProcText.threadGroup(bytes), group != pid else { return .process }
        return .thread(of: group)
    }

    /// The uid this process reads `/proc` as.
    public static var readerUID: UInt32 { Syscalls.effectiveUserID }
}

extension String {
    var trimmingNewline: String {
        var copy = self
        while copy.last == "\n" { copy.removeLast() }
        return copy
    }
}
