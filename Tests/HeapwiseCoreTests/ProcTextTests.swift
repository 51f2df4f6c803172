@testable import HeapwiseCore
import Testing

/// The kernel's text formats as 6.1 writes them (`fs/proc/fd.c`, `drivers/dma-buf/dma-buf.c`,
/// `fs/proc/task_mmu.c`), and text they never contain.
@Suite struct ProcTextTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aDMABufsFdinfoGivesInodeSizeReferencesExporterAndName() {
        let text = "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1234\nsize:\t1048576\ncount:\t2\nexp_name:\tsystem\nname:\tcam0\n"
        #expect(ProcText.fdinfo(Self.bytes(text)) == .dmaBuf(.init(inode: 1234, size: 1_048_576, count: 2, exporter: "system", name: "cam0")))
    }

    @Test func kernelsBefore514HaveNoInodeLineAndAnUnnamedBufferNoNameLine() {
        let text = "pos:\t0\nflags:\t02\nmnt_id:\t15\nsize:\t4096\ncount:\t1\nexp_name:\tudmabuf\n"
        #expect(ProcText.fdinfo(Self.bytes(text)) == .dmaBuf(.init(inode: nil, size: 4096, count: 1, exporter: "udmabuf", name: nil)))
    }

    /// DMA_BUF_SET_NAME takes any 31 bytes: a name cannot forge a field after it.
    @Test func aNameWithNewlinesStaysAName() {
        let text = "ino:\t9\nsize:\t4096\ncount:\t1\nexp_name:\tsystem\nname:\tx\nsize:\t999999999\n"
        #expect(ProcText.fdinfo(Self.bytes(text)) == .dmaBuf(.init(inode: 9, size: 4096, count: 1, exporter: "system", name: "x\nsize:\t999999999")))
    }

    @Test func otherFilesAreNotDMABufs() {
        #expect(ProcText.fdinfo(Self.bytes("pos:\t0\nflags:\t0100002\nmnt_id:\t25\nino:\t77\n")) == .other(inode: 77))
        #expect(ProcText.fdinfo(Self.bytes("pos:\t0\nflags:\t02\nmnt_id:\t16\nino:\t1\neventfd-count:\t0\neventfd-id: 3\n")) == .other(inode: 1))
        #expect(ProcText.fdinfo([]) == .other(inode: nil))
    }

    @Test func aDMABufWithoutANumberForItsSizeIsUnexpected() {
        for bad in ["size:\tlots\n", "size:\t-4096\n", "", "size:\t99999999999999999999999\n"] {
            guard case .unexpected = ProcText.fdinfo(Self.bytes("ino:\t3\n\(bad)count:\t1\nexp_name:\tsystem\n")) else {
                Issue.record("accepted \(bad.debugDescription)")
                continue
            }
        }
        guard case .unexpected = ProcText.fdinfo(Self.bytes("ino:\tx\nsize:\t4096\nexp_name:\tsystem\n")) else { Issue.record("accepted ino: x"); return }
    }

    /// Numbers are checked for overflow, not trapped on: 19 nines do not fit an Int, and an
    /// inode is an unsigned long, so the largest one parses.
    @Test func numbersThatOverflowAreUnexpectedAndInodesAreUnsigned() {
        for size in ["9999999999999999999", "9223372036854775808", "\((1 << 48) + 1)"] {
            guard case .unexpected = ProcText.fdinfo(Self.bytes("size:\t\(size)\nexp_name:\tsystem\n")) else {
                Issue.record("accepted size \(size)")
                continue
            }
        }
        #expect(ProcText.fdinfo(Self.bytes("ino:\t18446744073709551615\nsize:\t4096\nexp_name:\tsystem\n"))
            == .dmaBuf(.init(inode: .max, size: 4096, count: nil, exporter: "system", name: nil)))
        #expect(ProcText.decimal(Array("18446744073709551616".utf8)[...], as: UInt64.self) == nil)
        #expect(ProcText.decimal(Array("9223372036854775807".utf8)[...], as: Int.self) == .max)
    }

    /// Every `/dmabuf:` line comes back with its device, so the reader can keep only those on
    /// the dmabuf file system's (a file elsewhere may have that name).
    @Test func mapsYieldDMABufMappingsWithTheirDevices() {
        let text = """
        55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1311                       /usr/bin/cam
        7f1c2e000000-7f1c2e100000 rw-s 00000000 00:0d 4321                       /dmabuf:
        7f1c2f000000-7f1c2f001000 rw-s 00001000 00:0d 4322                       /dmabuf:cam\\012x
        7f1c30000000-7f1c30001000 rw-s 00000000 08:01 99                         /dmabuf:not-a-buffer
        7ffd5b1e2000-7ffd5b203000 rw-p 00000000 00:00 0                          [stack]

        """
        let (mappings, unexpected) = ProcText.dmaBufMappings(Self.bytes(text))
        #expect(unexpected.isEmpty)
        #expect(mappings == [
            .init(start: 0x7f1c_2e00_0000, end: 0x7f1c_2e10_0000, offset: 0, inode: 4321, device: 0x0d, name: nil),
            .init(start: 0x7f1c_2f00_0000, end: 0x7f1c_2f00_1000, offset: 0x1000, inode: 4322, device: 0x0d, name: "cam\\012x"),
            .init(start: 0x7f1c_3000_0000, end: 0x7f1c_3000_1000, offset: 0, inode: 99, device: 8 << 32 | 1, name: "not-a-buffer"),
        ])
    }

    @Test func aMapsLineNamingADMABufInAnotherFormatIsUnexpected() {
        let (mappings, unexpected) = ProcText.dmaBufMappings(Self.bytes("zzzz-7f00 rw-s 0 00:0d 12 /dmabuf:\n7f00-7e00 rw-s 0 00:0d 12 /dmabuf:\n"))
        #expect(mappings.isEmpty)
        #expect(unexpected.count == 2)
    }

    @Test func statusGivesTheCommandAndRealUID() {
        let status = ProcText.status(Self.bytes("Name:\tgst-launch-1.0\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nGid:\t100\t100\t100\t100\n"))
        #expect(status?.command == "gst-launch-1.0")
        #expect(status?.uid == 1000)
        #expect(ProcText.status(Self.bytes("Name:\tx\n")) == nil)
    }

    @Test func statusNamesTheProcessAThreadBelongsTo() {
        #expect(ProcText.threadGroup(Self.bytes("Name:\tworker\nUmask:\t0022\nTgid:\t812\nNgid:\t0\nPid:\t815\n")) == 812)
        #expect(ProcText.threadGroup(Self.bytes("Name:\tworker\nTgid:\t-1\n")) == nil)
        #expect(ProcText.threadGroup(Self.bytes("Name:\tworker\n")) == nil)
    }

    @Test func bufinfoListsEveryBufferWithItsInodeAndSize() {
        let text = """

        Dma-buf Objects:
        size    \tflags   \tmode    \tcount   \texp_name\tino     \tname
        00004096\t00000002\t00080007\t00000003\tsystem\t00000012\t<none>
        \tExclusive fence: none
        \tAttached Devices:
        Total 0 devices attached

        01048576\t00000002\t00080007\t00000001\treserved\t00000013\tcam0
        \tAttached Devices:
        \tvkms
        Total 1 devices attached


        Total 2 objects, 1052672 bytes

        """
        let parsed = ProcText.bufinfo(Self.bytes(text))
        #expect(parsed?.count == 2)
        #expect(parsed?[12]?.size == 4096)
        #expect(parsed?[12]?.name == nil)
        #expect(parsed?[13]?.exporter == "reserved")
        #expect(parsed?[13]?.name == "cam0")
        #expect(ProcText.bufinfo(Self.bytes("garbage\n")) == nil)
    }

    /// A name is printed raw (`%s`) and may hold newlines: a line inside a record is never a
    /// buffer, and sizes past 256 TiB are not taken, so no sum of them overflows.
    @Test func aBufferNameInBufinfoCannotForgeABuffer() {
        let text = "\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
            + "00004096\t00000002\t00080007\t00000001\tsystem\t00000012\tx\n00008192\t0\t0\t1\tevil\t99\ty\n"
            + "\tAttached Devices:\nTotal 0 devices attached\n\n"
            + "999999999999999999\t00000002\t00080007\t00000001\tsystem\t00000014\t<none>\n"
            + "\tAttached Devices:\nTotal 0 devices attached\n\n\nTotal 2 objects, 4096 bytes\n"
        let parsed = ProcText.bufinfo(Self.bytes(text))
        #expect(parsed.map { Set($0.keys) } == [12])
        #expect(parsed?[12]?.name == "x")
    }

    @Test func passwdNamesUIDs() {
        #expect(ProcText.passwd("root:x:0:0:root:/root:/bin/sh\nlab:x:1000:1000::/home/lab:/bin/sh\nbroken\n") == [0: "root", 1000: "lab"])
    }
}
