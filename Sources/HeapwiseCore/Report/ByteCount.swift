/// Byte counts with binary units, as the kernel's `/proc/meminfo` thinks of them.
public enum ByteCount {
    /// `4096` → `4 KiB`, `1572864` → `1.5 MiB`.
    public static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }

    /// A device-address quantity (`UInt64`: IOVA spaces, granules, mapped bytes); values
    /// beyond `Int.max` print as the largest `Int`, which no real space reaches.
    public static func format(_ bytes: UInt64) -> String { format(Int(clamping: bytes)) }

    /// A whole, non-negative number: decimal, `0x` hex, or with a binary suffix (`64KiB`,
    /// `256 MiB`). Nil for anything else, including a value that overflows `Int`.
    public static func parse(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 10), ("MiB", 20), ("GiB", 30), ("TiB", 40)]
        for (suffix, shift) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count).filter { $0 != " " }
            guard let base = Int(number), base >= 0, base <= Int.max >> shift else { return nil }
            return base << shift
        }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return Int(text.dropFirst(2), radix: 16) }
        return Int(text)
    }
}
