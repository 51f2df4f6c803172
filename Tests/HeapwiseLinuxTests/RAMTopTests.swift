import Foundation
import Testing
import HeapwiseCore
@testable import HeapwiseLinux

/// The end of RAM, which sets every heap's address bits, reads the same for every user: the
/// world-readable sources come first, and they agree with `/proc/iomem` (real addresses only
/// for CAP_SYS_ADMIN). Fixtures are a development machine's files (25 GiB of RAM ending at
/// 0x6_4000_0000, with the usual PCI hole below 4 GiB).
@Suite struct RAMTopTests {
    static let iomem = """
        00000000-00000fff : Reserved
        00001000-0009fbff : System RAM
        000a0000-000fffff : Reserved
          000f0000-000fffff : System ROM
        00100000-bfffffff : System RAM
          01000000-01ffffff : Kernel code
        c0000000-febfffff : PCI Bus 0000:00
        100000000-63fffffff : System RAM
        """
    /// What a reader without CAP_SYS_ADMIN sees of the same file.
    static let zeroedIOMem = """
        00000000-00000000 : Reserved
        00000000-00000000 : System RAM
        00000000-00000000 : Reserved
        00000000-00000000 : System RAM
        00000000-00000000 : System RAM
        """
    /// `zoneinfo_show_print` (mm/vmstat.c) output, trimmed to the lines that matter and a few
    /// that look alike; Movable and Device are unpopulated and print no start_pfn.
    static let zoneinfo = """
        Node 0, zone      DMA
          per-node stats
              nr_inactive_anon 4
          pages free     3840
                boost    0
                min      22
                spanned  4095
                present  3998
                managed  3840
                cma      0
                protection: (0, 2953, 24345, 24345, 24345)
              nr_free_pages 3840
          pagesets
            cpu: 0
                      count: 0
                      high:  0
          node_unreclaimable:  0
          start_pfn:           1
        Node 0, zone    DMA32
                spanned  1044480
                present  782336
          start_pfn:           4096
        Node 0, zone   Normal
                spanned  5505024
                present  5505024
          start_pfn:           1048576
        Node 0, zone  Movable
          pages free     0
                spanned  0
                present  0
                protection: (0, 0, 0, 0, 0)
        Node 0, zone   Device
                spanned  0
                present  0
                protection: (0, 0, 0, 0, 0)
        """

    @Test func iomemGivesTheEndOfTheHighestSystemRAMRange() {
        #expect(RAMTopReader.endFromIOMem(Self.iomem) == 0x6_4000_0000)
    }

    @Test func zeroedIOMemIsNoAnswer() {
        #expect(RAMTopReader.endFromIOMem(Self.zeroedIOMem) == nil)
        #expect(RAMTopReader.endFromIOMem("") == nil)
    }

    @Test func zoneinfoGivesTheEndOfTheHighestPopulatedZone() {
        #expect(RAMTopReader.endFromZoneinfo(Self.zoneinfo, pageSize: 4096) == 0x6_4000_0000)
        // An unpopulated zone with a high start is not RAM.
        let phantom = Self.zoneinfo + "\nNode 1, zone   Normal\n        spanned  99\n        present  0\n  start_pfn:           99999999\n"
        #expect(RAMTopReader.endFromZoneinfo(phantom, pageSize: 4096) == 0x6_4000_0000)
        #expect(RAMTopReader.endFromZoneinfo("garbage\nstart_pfn: x\n", pageSize: 4096) == nil)
        #expect(RAMTopReader.endFromZoneinfo("Node 0, zone Normal\n spanned 18446744073709551615\n present 1\n start_pfn: 2\n", pageSize: 4096) == nil,
                "an overflowing zone is no answer, not a trap")
    }

    @Test func memoryBlocksGiveTheEndOfTheHighestBlock() {
        let entries = ["auto_online_blocks", "block_size_bytes", "memory0", "memory23", "memory199", "power", "uevent"]
        #expect(RAMTopReader.endFromMemoryBlocks(blockSizeHex: "8000000\n", entries: entries) == 0x6_4000_0000)
        #expect(RAMTopReader.endFromMemoryBlocks(blockSizeHex: "zz", entries: entries) == nil)
        #expect(RAMTopReader.endFromMemoryBlocks(blockSizeHex: "8000000", entries: ["uevent"]) == nil)
        #expect(RAMTopReader.endFromMemoryBlocks(blockSizeHex: "8000000", entries: ["memory18446744073709551615"]) == nil)
    }

    @Test func addressBitsCoverTheHighestByte() {
        #expect(RAMTop(end: 0x6_4000_0000, source: .zoneinfo).addressBits == 35)
        #expect(RAMTop(end: 0x4000_0000, source: .iomem).addressBits == 30, "exactly 1 GiB needs 30 bits")
        #expect(RAMTop(end: 0x3ffe_0000, source: .zoneinfo).addressBits == 30, "a 1 GiB qemu guest")
        #expect(RAMTop(end: nil, source: .assumed).addressBits == 64)
    }

    /// On this machine (host and lab guest alike): every user reads zoneinfo first, and the other
    /// sources, root's /proc/iomem included, give the same address bits, so discovery, and
    /// every plan, is the same for every user.
    @Test func everySourceOnThisMachineAgrees() throws {
        let page = UInt64(Syscalls.pageSize)
        let zone = try #require(ProcFiles.read("/proc/zoneinfo").flatMap { RAMTopReader.endFromZoneinfo($0, pageSize: page) })
        let fromZones = RAMTop(end: zone, source: .zoneinfo)
        #expect(RAMTopReader.read() == fromZones, "zoneinfo is read first, by everyone")
        let missing = "/nonexistent-" + UUID().uuidString
        if getuid() == 0 {
            let iomem = try #require(ProcFiles.read("/proc/iomem").flatMap(RAMTopReader.endFromIOMem), "root reads real addresses")
            #expect(RAMTop(end: iomem, source: .iomem).addressBits == fromZones.addressBits)
            let rootOnly = RAMTopReader.read(zoneinfo: missing, memoryBlocks: missing)
            #expect(rootOnly.source == .iomem && rootOnly.addressBits == fromZones.addressBits)
        }
        if let blocks = RAMTopReader.endFromMemoryBlocks(directory: "/sys/devices/system/memory") {
            #expect(RAMTop(end: blocks, source: .memoryBlocks).addressBits == fromZones.addressBits)
        }
        // What a reader without CAP_SYS_ADMIN sees of iomem is no answer.
        let zeroed = NSTemporaryDirectory() + "heapwise-iomem-" + UUID().uuidString
        try Self.zeroedIOMem.write(toFile: zeroed, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: zeroed) }
        #expect(RAMTopReader.read(iomem: zeroed, zoneinfo: missing, memoryBlocks: missing).source == .assumed)
        let assumed = RAMTop(end: nil, source: .assumed)
        #expect(HeapDiscovery.discover(ramTop: assumed).map(\.heap.addressBits).allSatisfy { $0 == 64 })
        #expect(HeapDiscovery.discover().map(\.heap.addressBits) == HeapDiscovery.discover(ramTop: fromZones).map(\.heap.addressBits))
    }

    @Test func aZoneinfoLongerThanTheLimitIsNoAnswer() throws {
        let long = NSTemporaryDirectory() + "heapwise-zoneinfo-" + UUID().uuidString
        try Self.zoneinfo.write(toFile: long, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: long) }
        #expect(ProcFiles.read(long, limit: 64, whole: true) == nil, "half a file is no answer")
        #expect(ProcFiles.read(long, limit: 1 << 20, whole: true) == Self.zoneinfo)
    }

    @Test func nothingReadableAssumes64Bits() {
        let missing = "/nonexistent-" + UUID().uuidString
        let top = RAMTopReader.read(iomem: missing, zoneinfo: missing, memoryBlocks: missing)
        #expect(top == RAMTop(end: nil, source: .assumed))
        #expect(top.addressBits == 64)
    }
}
