import Foundation
import HeapwiseCore
import HeapwiseLinux

/// A userspace driver for QEMU's educational PCI device (`hw/misc/edu.c`), through VFIO: its
/// DMA engine copies up to 4 KiB between memory (at an IOVA of the device's IOMMU space) and
/// its internal buffer at device address 0x40000. Registers (BAR 0): 0x00 identification
/// 0x010000ed, 0x80 source, 0x88 destination, 0x90 count, 0x98 command (bit 0 run, bit 1
/// direction: 0 memory to device, 1 device to memory). The engine runs 100 ms (virtual
/// clock) after the command and clears bit 0 when done.
struct EduDevice {
    static let identification: UInt32 = 0x0100_00ed
    static let internalBuffer: UInt64 = 0x40000
    /// QEMU 7.2 refuses (and aborts on) a transfer ending exactly at the end of the 4 KiB
    /// buffer, an off-by-one in its range check.
    static let largestTransfer = 4095

    let space: VFIOAddressSpace
    let bar: VFIODevice.Region

    init(_ space: VFIOAddressSpace) throws {
        self.space = space
        bar = try space.device.region(0)
        let id = try space.device.read(UInt32.self, bar, at: 0)
        guard id == Self.identification else {
            throw EduError("\(space.pciAddress) identifies as \(IOVA.hex(UInt64(id))), not QEMU's edu (\(IOVA.hex(UInt64(Self.identification))))")
        }
        try space.device.enableBusMastering()
    }

    /// Memory at `iova` (this device's space) into the internal buffer.
    func read(from iova: UInt64, count: Int) throws { try transfer(source: iova, destination: Self.internalBuffer, count: count, toMemory: false) }

    /// The internal buffer out to memory at `iova`.
    func write(to iova: UInt64, count: Int) throws { try transfer(source: Self.internalBuffer, destination: iova, count: count, toMemory: true) }

    private func transfer(source: UInt64, destination: UInt64, count: Int, toMemory: Bool) throws {
        guard (1...Self.largestTransfer).contains(count) else { throw EduError("edu moves 1 to \(Self.largestTransfer) bytes, not \(count)") }
        // 4-byte register writes: the lab's IOVAs are below 4 GiB (28- and 32-bit masks).
        guard source <= UInt32.max, destination <= UInt32.max else { throw EduError("address above 4 GiB") }
        let device = space.device
        try device.write(UInt32(source), bar, at: 0x80)
        try device.write(UInt32(destination), bar, at: 0x88)
        try device.write(UInt32(count), bar, at: 0x90)
        try device.write(UInt32(toMemory ? 0x3 : 0x1), bar, at: 0x98)
        let deadline = Date().addingTimeInterval(20)
        while try device.read(UInt32.self, bar, at: 0x98) & 1 != 0 {
            guard Date() < deadline else { throw EduError("\(space.pciAddress): DMA did not complete in 20 s") }
            usleep(5_000)
        }
    }
}

struct EduError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The kernel log from now on (`/dev/kmsg`, read without blocking), to see the IOMMU's
/// fault reports.
final class KernelLog {
    private let fd: Int32

    init() throws {
        fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw EduError("cannot open /dev/kmsg: errno \(errno)") }
        lseek(fd, 0, SEEK_END)
    }

    deinit { close(fd) }

    /// Messages logged since the last call (each record's text after its header).
    func newMessages() -> [String] {
        var messages: [String] = []
        var record = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = record.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EPIPE { continue }  // overwritten records: go on with the next
            guard count > 0 else { return messages }
            let text = String(decoding: record[0..<count], as: UTF8.self)
            messages.append(text.split(separator: ";", maxSplits: 1).last.map(String.init)?.trimmingCharacters(in: .newlines) ?? text)
        }
    }

    /// Waits up to `seconds` for a message `matching` says is the one.
    func wait(seconds: Double, for matching: (String) -> Bool) -> [String] {
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            seen += newMessages()
            if seen.contains(where: matching) { return seen }
            usleep(20_000)
        } while Date() < deadline
        return seen
    }
}
