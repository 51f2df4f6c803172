/// The end of this machine's RAM, and where Heapwise read it.
///
/// A heap hands out pages from anywhere in RAM, so the highest RAM address decides whether a
/// device with a narrow DMA mask can use it (a 39-bit mask is no limit on a 1 GiB machine). The
/// answer must not depend on who asks: `/proc/iomem` shows zeroed addresses to readers without
/// `CAP_SYS_ADMIN` (`r_show`, `kernel/resource.c`), so an unprivileged user would otherwise
/// assume 64-bit addresses and get a different plan than root. So the world-readable sources
/// (`/proc/zoneinfo`, `/sys/devices/system/memory`) come first, for everyone; they agree with
/// root's `/proc/iomem` on the address bits (the block directory rounds the end up to a
/// power-of-two block, which never adds a bit).
public struct RAMTop: Hashable, Sendable {
    /// Where the figure came from, in the order Heapwise tries them.
    public enum Source: String, Sendable, CaseIterable {
        /// Each populated zone's `start_pfn` + `spanned` pages (`zoneinfo_show_print`,
        /// `mm/vmstat.c`), world-readable.
        case zoneinfo = "/proc/zoneinfo"
        /// The highest `memoryN` block × `block_size_bytes` (`drivers/base/memory.c`, present
        /// with `CONFIG_MEMORY_HOTPLUG`), world-readable.
        case memoryBlocks = "/sys/devices/system/memory"
        /// "System RAM" ranges; real addresses only for `CAP_SYS_ADMIN`.
        case iomem = "/proc/iomem"
        /// Nothing readable: any 64-bit address is assumed possible.
        case assumed = "assumed (no source readable)"
    }

    /// One past the highest RAM address, or nil when `source` is `.assumed`.
    public var end: UInt64?
    public var source: Source

    public init(end: UInt64?, source: Source) {
        self.end = end
        self.source = source
    }

    /// Bits needed to address the highest RAM byte: what a heap's `addressBits` is.
    public var addressBits: Int {
        guard let end, end > 0 else { return 64 }
        return 64 - (end - 1).leadingZeroBitCount
    }
}
