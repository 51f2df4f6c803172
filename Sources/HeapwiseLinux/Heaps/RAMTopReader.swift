import HeapwiseCore

/// Reads `RAMTop` from the first source that answers, world-readable ones first so that every
/// user reads the same source: `/proc/zoneinfo`, else the memory-block directory, else
/// `/proc/iomem` (real addresses only for root), else 64 bits are assumed. (`/proc/iomem` can
/// disagree with the others where it matters least: it lists hot-added memory that is still
/// offline, and drops driver-added RAM such as `System RAM (kmem)`.)
/// The parsers take text, so tests feed them the kernel's own formats.
public enum RAMTopReader {
    /// zoneinfo grows with CPUs × zones (about 100 bytes per CPU per populated zone, and each
    /// zone's `start_pfn` comes last): room for thousands of CPUs, and a longer file is no
    /// answer rather than half of one.
    static let zoneinfoLimit = 64 << 20

    public static func read(
        iomem: String = "/proc/iomem", zoneinfo: String = "/proc/zoneinfo",
        memoryBlocks: String = "/sys/devices/system/memory"
    ) -> RAMTop {
        if let text = ProcFiles.read(zoneinfo, limit: zoneinfoLimit, whole: true),
           let end = endFromZoneinfo(text, pageSize: UInt64(Syscalls.pageSize)) {
            return RAMTop(end: end, source: .zoneinfo)
        }
        if let end = endFromMemoryBlocks(directory: memoryBlocks) {
            return RAMTop(end: end, source: .memoryBlocks)
        }
        if let text = ProcFiles.read(iomem, whole: true), let end = endFromIOMem(text) {
            return RAMTop(end: end, source: .iomem)
        }
        return RAMTop(end: nil, source: .assumed)
    }

    /// One past the highest top-level "System RAM" range; nil when there is none or every
    /// address is zero (the view of a reader without `CAP_SYS_ADMIN`).
    static func endFromIOMem(_ text: String) -> UInt64? {
        var end: UInt64 = 0
        for line in text.split(separator: "\n") where line.hasSuffix(" : System RAM") && !line.hasPrefix(" ") {
            let range = line.prefix { $0 != " " }.split(separator: "-")
            guard range.count == 2, let last = UInt64(range[1], radix: 16), last < .max else { continue }
            end = max(end, last + 1)
        }
        return end > 1 ? end : nil
    }

    /// One past the last page of the highest populated zone: `(start_pfn + spanned) × page
    /// size`. Zones with no present pages (and `ZONE_DEVICE`) print no `start_pfn` and count
    /// for nothing.
    static func endFromZoneinfo(_ text: String, pageSize: UInt64) -> UInt64? {
        var endPFN: UInt64 = 0
        var spanned: UInt64?, present: UInt64?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if line.hasPrefix("Node ") {
                spanned = nil
                present = nil
            } else if words.count == 2, let value = UInt64(words[1]) {
                switch words[0] {
                case "spanned": spanned = value
                case "present": present = value
                case "start_pfn:":
                    if let spanned, let present, present > 0 {
                        let (zoneEnd, overflow) = value.addingReportingOverflow(spanned)
                        if !overflow { endPFN = max(endPFN, zoneEnd) }
                    }
                default: break
                }
            }
        }
        let (end, overflow) = endPFN.multipliedReportingOverflow(by: pageSize)
        return endPFN > 0 && !overflow ? end : nil
    }

    /// One past the highest memory block: `(N + 1) × block_size_bytes` for the largest
    /// `memoryN`. Blocks are aligned to their power-of-two size, so rounding up to a block
    /// never adds an address bit.
    static func endFromMemoryBlocks(directory: String) -> UInt64? {
        guard let sizeText = ProcFiles.read(directory + "/block_size_bytes"),
              let names = try? Syscalls.listDirectory(directory).get() else { return nil }
        return endFromMemoryBlocks(blockSizeHex: sizeText, entries: names)
    }

    static func endFromMemoryBlocks(blockSizeHex: String, entries: [String]) -> UInt64? {
        guard let blockSize = UInt64(blockSizeHex.filter { !$0.isWhitespace }, radix: 16), blockSize > 0 else { return nil }
        let highest = entries.compactMap { name in name.hasPrefix("memory") ? UInt64(name.dropFirst(6)) : nil }.max()
        guard let highest, highest < .max else { return nil }
        let (end, overflow) = (highest + 1).multipliedReportingOverflow(by: blockSize)
        return overflow ? nil : end
    }
}
